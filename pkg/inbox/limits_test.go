package inbox

import (
	"testing"
	"time"
)

func TestReplyTargetFor(t *testing.T) {
	cases := []struct {
		ch          Channel
		kind        Kind
		private     bool
		wantErr     bool
		wantPrivate bool
		wantLimit   int
	}{
		{ChannelFacebook, KindComment, false, false, false, 8000},
		{ChannelFacebook, KindComment, true, false, true, 2000},
		{ChannelFacebook, KindMessage, false, false, true, 2000},
		{ChannelFacebook, KindMessage, true, false, true, 2000},
		{ChannelFacebook, KindMention, false, false, false, 8000},
		{ChannelFacebook, KindMention, true, true, false, 0},
		{ChannelTwitter, KindMention, false, false, false, 280},
		{ChannelTwitter, KindMention, true, false, true, 10000},
		{ChannelTwitter, KindMessage, false, false, true, 10000},
		{ChannelTwitter, KindComment, false, true, false, 0},
		{"mastodon", KindMention, false, true, false, 0},
	}
	for _, c := range cases {
		got, err := ReplyTargetFor(c.ch, c.kind, c.private)
		if (err != nil) != c.wantErr {
			t.Errorf("%s/%s private=%v: err = %v, wantErr %v", c.ch, c.kind, c.private, err, c.wantErr)
			continue
		}
		if err == nil && (got.Private != c.wantPrivate || got.Limit != c.wantLimit) {
			t.Errorf("%s/%s private=%v: got %+v, want private=%v limit=%d", c.ch, c.kind, c.private, got, c.wantPrivate, c.wantLimit)
		}
	}
}

func TestTextLengthCountsCharacters(t *testing.T) {
	if n := TextLength("Jalan rusak di Desa Sukamaju 🙏"); n != 30 {
		t.Fatalf("TextLength = %d, want 30 (runes, not bytes)", n)
	}
}

func TestItemValidate(t *testing.T) {
	good := Item{Channel: ChannelFacebook, Account: "pemkab", Kind: KindComment, ExternalID: "1_2", CreatedAt: time.Unix(1, 0)}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid item: %v", err)
	}
	bad := []func(*Item){
		func(i *Item) { i.Channel = "" },
		func(i *Item) { i.Kind = "post" },
		func(i *Item) { i.Account = "" },
		func(i *Item) { i.ExternalID = "" },
		func(i *Item) { i.CreatedAt = time.Time{} },
	}
	for n, mutate := range bad {
		it := good
		mutate(&it)
		if it.Validate() == nil {
			t.Errorf("case %d: invalid item accepted: %+v", n, it)
		}
	}
}

func TestDedupKeyDistinguishesAccounts(t *testing.T) {
	a := Item{Channel: ChannelTwitter, Account: "a", ExternalID: "1"}
	b := a
	b.Account = "b"
	if a.DedupKey() == b.DedupKey() {
		t.Fatal("same platform id on two accounts must not collide")
	}
}

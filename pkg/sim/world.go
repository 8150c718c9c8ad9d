package sim

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/inboxd/inboxd/pkg/sim/graphapi"
	"github.com/inboxd/inboxd/pkg/sim/xapi"
)

// World is the regency's online public: the platform fakes (Facebook and
// Instagram share the Graph fake) and the
// citizens writing to them. It turns generated Messages into what each fake
// receives, keeping the Page posts and comments that later messages answer.
type World struct {
	Graph *graphapi.Server
	X     *xapi.Server
	now   func() time.Time

	mu       sync.Mutex
	posts    []string           // Page posts citizens comment under
	igMedia  []string           // the office's Instagram posts
	comments []commentRef       // citizens' comments, for replies to them
	xUsers   map[int]bool       // citizens already known to the X fake
	emitted  map[Shape]int      // per shape, for tests and load reports
	ids      map[Shape][]string // platform ids written, for exactly-once checks
}

type commentRef struct{ postID, id string }

// pagePosts are what the Page publishes; citizens comment under them.
var pagePosts = []string{
	"Jadwal pelayanan Mal Pelayanan Publik selama libur akhir tahun. Silakan sampaikan pertanyaan di kolom komentar.",
	"Pemkab memulai perbaikan jalan kabupaten di 12 kecamatan pekan ini. Laporkan jalan rusak di sekitar Anda.",
	"Waspada banjir: BPBD siaga 24 jam. Hubungi 112 dalam keadaan darurat.",
	"Jadwal pengangkutan sampah terbaru per kecamatan sudah terbit.",
}

// NewWorld seeds the Page with a few posts dated before now. now is the
// clock messages are stamped with (default time.Now).
func NewWorld(g *graphapi.Server, x *xapi.Server, now func() time.Time) *World {
	if now == nil {
		now = time.Now
	}
	w := &World{Graph: g, X: x, now: now, xUsers: map[int]bool{}, emitted: map[Shape]int{}, ids: map[Shape][]string{}}
	start := now().Add(-time.Duration(len(pagePosts)) * time.Hour)
	for i, text := range pagePosts {
		w.posts = append(w.posts, g.AddPost(graphapi.Actor{}, text, start.Add(time.Duration(i)*time.Hour)))
		if g.IGAccount().ID != "" {
			w.igMedia = append(w.igMedia, g.AddIGMedia(text, start.Add(time.Duration(i)*time.Hour)))
		}
	}
	return w
}

// FacebookID is the page-scoped id the fake gives a citizen.
func FacebookID(p Person) string { return fmt.Sprintf("24%013d", p.Seq) }

// InstagramID is the Instagram-scoped id the fake gives a citizen.
func InstagramID(p Person) string { return fmt.Sprintf("55%014d", p.Seq) }

// XUserID is the X user id the fake gives a citizen.
func XUserID(p Person) string { return fmt.Sprintf("15%016d", p.Seq) }

// Emit delivers one message to the platform its shape names.
func (w *World) Emit(_ context.Context, m Message) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	at := w.now()
	fbActor := graphapi.Actor{ID: FacebookID(m.Author), Name: m.Author.Name}
	var id string
	switch m.Shape {
	case FacebookComment, FacebookReply:
		postID := w.posts[m.Author.Seq%len(w.posts)]
		parent := ""
		if m.Shape == FacebookReply && len(w.comments) > 0 {
			ref := w.comments[(m.Author.Seq*7+len(w.comments))%len(w.comments)]
			postID, parent = ref.postID, ref.id
		}
		cid, err := w.Graph.AddComment(postID, parent, fbActor, m.Text, at)
		if err != nil {
			return fmt.Errorf("facebook comment: %w", err)
		}
		w.comments = append(w.comments, commentRef{postID: postID, id: cid})
		if len(w.comments) > 500 { // keep replies going to recent comments
			w.comments = w.comments[len(w.comments)-500:]
		}
		id = cid
	case FacebookMessage:
		_, id = w.Graph.AddMessage(fbActor, m.Text, at)
	case FacebookTagged:
		id = w.Graph.AddTaggedPost(fbActor, m.Text, at)
	case TwitterMention, TwitterDirectMsg:
		uid := XUserID(m.Author)
		if !w.xUsers[m.Author.Seq] {
			w.X.AddUser(xapi.User{ID: uid, Username: m.Author.Handle, Name: m.Author.Name})
			w.xUsers[m.Author.Seq] = true
		}
		if m.Shape == TwitterMention {
			id = w.X.AddMention(xapi.Mention{AuthorID: uid, Text: m.Text, At: at}).ID
		} else {
			id = w.X.AddDM(xapi.DM{SenderID: uid, Text: m.Text, At: at}).ID
		}
	case InstagramComment, InstagramMessage:
		if len(w.igMedia) == 0 {
			return fmt.Errorf("%s: the Graph fake has no Instagram account", m.Shape)
		}
		ig := graphapi.IGUser{ID: InstagramID(m.Author), Username: m.Author.Handle}
		if m.Shape == InstagramMessage {
			_, id = w.Graph.AddIGMessage(ig, m.Text, at)
			break
		}
		cid, err := w.Graph.AddIGComment(w.igMedia[m.Author.Seq%len(w.igMedia)], "", ig, m.Text, at)
		if err != nil {
			return fmt.Errorf("instagram comment: %w", err)
		}
		id = cid
	default:
		return fmt.Errorf("unknown shape %q", m.Shape)
	}
	w.emitted[m.Shape]++
	w.ids[m.Shape] = append(w.ids[m.Shape], id)
	return nil
}

// Emitted returns how many messages of each shape were delivered.
func (w *World) Emitted() map[Shape]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[Shape]int, len(w.emitted))
	for k, v := range w.emitted {
		out[k] = v
	}
	return out
}

// IDs returns the platform ids of every delivered message of a shape.
func (w *World) IDs(s Shape) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.ids[s]...)
}

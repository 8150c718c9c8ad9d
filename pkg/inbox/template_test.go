package inbox

import (
	"errors"
	"strings"
	"testing"
)

func TestTemplateRenderEveryPlaceholder(t *testing.T) {
	tpl := Template{Name: "lengkap", Text: "Yth. {nama}, laporan Anda tercatat dengan nomor tiket {tiket} pada {tanggal} " +
		"dan diteruskan ke {unit} ({unit_singkat}). Kami tindak lanjuti paling lambat {batas_waktu}."}
	full := TemplateValues{Nama: "Siti Aminah", Tiket: "UP4-2026-000123", Unit: "Dinas Pekerjaan Umum dan Penataan Ruang",
		UnitSingkat: "DPUPR", Tanggal: "Senin, 7 Desember 2026", BatasWaktu: "Rabu, 9 Desember 2026 pukul 16.00 WIB"}
	want := "Yth. Siti Aminah, laporan Anda tercatat dengan nomor tiket UP4-2026-000123 pada Senin, 7 Desember 2026 " +
		"dan diteruskan ke Dinas Pekerjaan Umum dan Penataan Ruang (DPUPR). Kami tindak lanjuti paling lambat Rabu, 9 Desember 2026 pukul 16.00 WIB."
	if got := tpl.Render(full); got != want {
		t.Errorf("full:\n got %q\nwant %q", got, want)
	}
	// Empty name, no unit, no deadline: the polite fallbacks.
	empty := TemplateValues{Tiket: "UP4-2026-000124", Tanggal: "Senin, 7 Desember 2026"}
	want = "Yth. Bapak/Ibu, laporan Anda tercatat dengan nomor tiket UP4-2026-000124 pada Senin, 7 Desember 2026 " +
		"dan diteruskan ke unit terkait (unit terkait). Kami tindak lanjuti paling lambat secepatnya."
	if got := tpl.Render(empty); got != want {
		t.Errorf("empty:\n got %q\nwant %q", got, want)
	}
	// A unit without a short name shows its full name for {unit_singkat}.
	if got := (Template{Text: "{unit_singkat}"}).Render(TemplateValues{Unit: "Dinas Kesehatan"}); got != "Dinas Kesehatan" {
		t.Errorf("unit_singkat fallback = %q", got)
	}
}

func TestTemplateRenderWithoutTicket(t *testing.T) {
	v := TemplateValues{Nama: "Budi"}
	for _, c := range []struct{ text, want string }{
		// its own sentence
		{"Terima kasih, {nama}. Nomor tiket Anda {tiket}. Laporan kami teruskan.", "Terima kasih, Budi. Laporan kami teruskan."},
		{"Laporan kami terima. Nomor tiket: {tiket}", "Laporan kami terima."},
		// parentheses
		{"Laporan Bapak/Ibu (nomor tiket {tiket}) telah kami terima.", "Laporan Bapak/Ibu telah kami terima."},
		// a clause between commas
		{"Laporan telah kami terima, dengan nomor tiket {tiket}, dan segera kami teruskan.", "Laporan telah kami terima, dan segera kami teruskan."},
		{"Laporan telah kami terima, nomor tiket {tiket}.", "Laporan telah kami terima."},
		{"Nomor tiket {tiket}, mohon disimpan. Terima kasih.", "Mohon disimpan. Terima kasih."},
		// on its own line
		{"Terima kasih.\nTiket: {tiket}\nSalam.", "Terima kasih.\n\nSalam."},
	} {
		got := Template{Text: c.text}.Render(v)
		if got != c.want {
			t.Errorf("%q:\n got %q\nwant %q", c.text, got, c.want)
		}
		if strings.Contains(got, "{") || strings.Contains(got, "  ") {
			t.Errorf("%q left %q", c.text, got)
		}
	}
}

func TestCheckTemplate(t *testing.T) {
	channels := []Channel{chFacebook, chInstagram, chTwitter}
	ok := Template{Name: "diterima", Text: "Terima kasih atas laporannya, {nama}.", Channel: chFacebook, Kind: KindMessage, Language: "id", Unit: "dpupr"}
	if err := CheckTemplate(ok, channels); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		t           Template
		field, want string
	}{
		{Template{Name: "x", Text: "Halo {nama_lengkap}, terima kasih."}, "text", "unknown placeholder {nama_lengkap}"},
		{Template{Name: "x", Text: "Halo {Nama}"}, "text", "{Nama}"},
		{Template{Name: "Bad Name", Text: "a"}, "name", "must be"},
		{Template{Name: "x", Text: ""}, "text", ""},
		{Template{Name: "x", Text: "a", Channel: "telegram"}, "channel", `unknown channel "telegram" (facebook, instagram, twitter)`},
		{Template{Name: "x", Text: "a", Kind: "post"}, "kind", "post"},
		{Template{Name: "x", Text: "a", Unit: "Dinas PU"}, "unit", "Dinas PU"},
		{Template{Name: "x", Text: "a", Language: "Bahasa"}, "language", "Bahasa"},
		{Template{Name: "x", Text: strings.Repeat("a", MaxTemplateLen+1)}, "text", "5000"},
	} {
		err := CheckTemplate(c.t, channels)
		var fe FieldError
		if !errors.As(err, &fe) || fe.FieldName() != c.field || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want field %s with %q", c.t, err, c.field, c.want)
		}
	}
	// A literal brace is not a placeholder.
	if err := CheckTemplate(Template{Name: "x", Text: "Kode {A-1} dan { spasi }"}, nil); err != nil {
		t.Errorf("literal braces: %v", err)
	}
}

func TestTemplateFits(t *testing.T) {
	it := Item{Unit: "dpupr", Channel: chTwitter, Kind: KindMessage}
	for _, c := range []struct {
		t    Template
		want string
	}{
		{Template{Name: "a"}, ""},
		{Template{Name: "a", Unit: "dpupr", Channel: chTwitter, Kind: KindMessage}, ""},
		{Template{Name: "a", Unit: "dinkes"}, `unit "dinkes"`},
		{Template{Name: "a", Channel: chFacebook}, "channel facebook"},
		{Template{Name: "a", Kind: KindComment}, "kind comment"},
	} {
		got := c.t.TemplateMismatch(it)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%+v: %q, want %q", c.t, got, c.want)
		}
		if c.t.Fits(it) != (got == "") {
			t.Errorf("Fits disagrees")
		}
	}
}

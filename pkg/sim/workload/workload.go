// Package workload generates the poll pages that benchmarks ingest: the
// office's realistic queue (../shared/bench-workload.md) and the old simple
// case. Page k depends only on the seed and k, so any page can be made
// again for a re-ingest, and every store under test sees the same items.
// It does no I/O and knows no store.
package workload

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// PageSize is the number of items of every page.
const PageSize = 100

// Case names a workload.
type Case string

const (
	// Realistic is the office's queue: four accounts, 40 units with Zipf
	// volume, threads, platform id shapes, 80–400-character texts, tags and
	// a triaged status mix.
	Realistic Case = "realistic"
	// Simple is the old benchmark: one Facebook account, comments in order,
	// one short text, no unit, every item new.
	Simple Case = "simple"
)

// Cases lists the workloads by name.
var Cases = []Case{Realistic, Simple}

// Account is one of the office's connected accounts.
type Account struct {
	Name    string
	Channel inbox.Channel
	share   float64 // of the pages
	pageID  uint64  // the Page's or X user's platform id
}

// Page is one poll page: items of one account, oldest first.
type Page struct {
	Number     int
	Account    string
	ReceivedAt time.Time // when the poll delivered it; strictly increasing with Number
	Items      []inbox.Item
	// Want is each item's status once the office has triaged it (items
	// arrive as "new"; a store that ingests only new moves them later).
	Want []inbox.Status
	// Cursor is what the account's connector would commit with the page.
	Cursor []byte
}

// Workload generates the pages of one case.
type Workload struct {
	c        Case
	seed     uint64
	pages    int
	start    time.Time
	step     time.Duration // between pages
	accounts []Account
	unitCum  []float64
}

// Span is how much time a full fill of the realistic workload covers
// (1,000,000 items span about two years; fewer items, a proportional part).
const Span = 2 * 365 * 24 * time.Hour

const spanItems = 1_000_000

// New returns the workload c of the given number of items (rounded up to
// whole pages), generated from seed.
func New(c Case, seed uint64, items int) (*Workload, error) {
	if c != Realistic && c != Simple {
		return nil, fmt.Errorf("workload %q: unknown; one of %v", c, Cases)
	}
	if items <= 0 {
		return nil, fmt.Errorf("workload: items must be positive, got %d", items)
	}
	w := &Workload{
		c:     c,
		seed:  seed,
		pages: (items + PageSize - 1) / PageSize,
		start: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		step:  Span / (spanItems / PageSize),
	}
	if c == Simple {
		w.accounts = []Account{{Name: "humas", Channel: ChannelFacebook, share: 1}}
		w.step = 100 * time.Second
		return w, nil
	}
	w.accounts = []Account{
		{Name: "pemkab-fb", Channel: ChannelFacebook, share: 0.40, pageID: 102030405060708},
		{Name: "pemkab-x", Channel: ChannelTwitter, share: 0.20, pageID: 1450000000000000001},
		{Name: "layanan-fb", Channel: ChannelFacebook, share: 0.25, pageID: 109876543210987},
		{Name: "humas-x", Channel: ChannelTwitter, share: 0.15, pageID: 1460000000000000002},
	}
	// Zipf-like unit volume with exponent 0.9; the offset of 1.5 ranks
	// gives the shape of the office's figures: the biggest three take
	// about a quarter of the items, the smallest under one per cent.
	sum := 0.0
	for i := range Units {
		sum += math.Pow(float64(i)+2.5, -0.9)
		w.unitCum = append(w.unitCum, sum)
	}
	for i := range w.unitCum {
		w.unitCum[i] /= sum
	}
	return w, nil
}

// Case is the workload's name.
func (w *Workload) Case() Case { return w.c }

// Pages is the number of pages of the fill.
func (w *Workload) Pages() int { return w.pages }

// Accounts lists the accounts pages come from.
func (w *Workload) Accounts() []Account { return w.accounts }

// UnitShare is the expected share of items of Units[i] (0 for the simple case).
func (w *Workload) UnitShare(i int) float64 {
	if w.c == Simple {
		return 0
	}
	if i == 0 {
		return w.unitCum[0]
	}
	return w.unitCum[i] - w.unitCum[i-1]
}

// Units are the 40 office codes items are routed to.
var Units = []string{
	"dpupr", "dinkes", "disdukcapil", "dinsos", "dlh", "dishub", "rsud", "disdikbud", "bpbd", "pdam",
	"satpolpp", "disperkim", "bapenda", "dpmptsp", "disnaker", "dpmd", "dinkop", "dispertan", "disporapar", "diskominfo",
	"kec-soreang", "kec-cileunyi", "kec-bojongsoang", "kec-banjaran", "kec-majalaya", "kec-ciparay", "kec-rancaekek",
	"kec-pangalengan", "kec-baleendah", "kec-dayeuhkolot", "kec-margahayu", "kec-katapang", "kec-cimenyan",
	"kec-cilengkrang", "kec-solokanjeruk", "kec-paseh", "kec-ibun", "kec-kertasari", "kec-pacet", "kec-arjasari",
}

// Tags is the office's tag list.
var Tags = []string{
	"jalan", "lampu-jalan", "jembatan", "drainase", "banjir", "longsor", "sampah", "air-bersih", "listrik",
	"ktp", "kk", "akta", "bpjs", "puskesmas", "rumah-sakit", "vaksin", "sekolah", "ppdb", "bansos", "pkh",
	"pajak", "pbb", "izin", "pungli", "pelayanan", "apresiasi", "pertanyaan", "darurat", "viral", "hoaks",
}

// statusMix is the triaged mix: 15 % new, 25 % open, 35 % answered,
// 24 % closed, 1 % ignored (cumulative per cent).
var statusMix = []struct {
	upTo   int
	status inbox.Status
}{{15, inbox.StatusNew}, {40, inbox.StatusOpen}, {75, inbox.StatusAnswered}, {99, inbox.StatusClosed}, {100, inbox.StatusIgnored}}

// Citizens is the number of distinct people writing.
const Citizens = 60_000

// Page makes page k (0 ≤ k < Pages()).
func (w *Workload) Page(k int) Page {
	if w.c == Simple {
		return w.simplePage(k)
	}
	r := rand.New(rand.NewPCG(w.seed, uint64(k)))
	acct := w.accounts[len(w.accounts)-1]
	x := r.Float64()
	for _, a := range w.accounts {
		if x < a.share {
			acct = a
			break
		}
		x -= a.share
	}
	p := Page{
		Number:     k,
		Account:    acct.Name,
		ReceivedAt: w.start.Add(time.Duration(k) * w.step),
		Items:      make([]inbox.Item, PageSize),
		Want:       make([]inbox.Status, PageSize),
		Cursor:     []byte(acct.Name + ":" + strconv.Itoa(k)),
	}
	// A few citizens write often: a Zipf draw over 60,000 people.
	citizens := rand.NewZipf(r, 1.1, 20, Citizens-1)
	for j := range p.Items {
		created := p.ReceivedAt.Add(-time.Duration(PageSize-j) * time.Second)
		it := inbox.Item{Account: acct.Name, Channel: acct.Channel, CreatedAt: created}
		c := int(citizens.Uint64())
		w.shape(&it, r, acct, k, j, c)
		it.Text = text(r, 80+r.IntN(321))
		it.Unit = Units[w.unit(r.Float64())]
		for range r.IntN(4) {
			it.Tags = append(it.Tags, Tags[r.IntN(len(Tags))])
		}
		p.Items[j] = it
		s := r.IntN(100)
		for _, m := range statusMix {
			if s < m.upTo {
				p.Want[j] = m.status
				break
			}
		}
	}
	return p
}

func (w *Workload) unit(x float64) int {
	for i, c := range w.unitCum {
		if x < c {
			return i
		}
	}
	return len(w.unitCum) - 1
}

// shape fills the platform fields of item j of page k, written by citizen c.
func (w *Workload) shape(it *inbox.Item, r *rand.Rand, a Account, k, j, c int) {
	if a.Channel == ChannelFacebook {
		it.Author = inbox.Author{ID: fmt.Sprintf("24%013d", c), Name: personName(c)}
		if r.IntN(100) < 70 {
			// A comment on one of the posts of the last ~20 pages; Graph
			// ids are {page}_{post} and {post}_{comment}.
			post := uint64(max(0, k-r.IntN(20)))
			postID := strconv.FormatUint(1221000000000000+post, 10)
			comment := strconv.FormatUint(uint64(k)*PageSize+uint64(j)+1_000_000_000_000_000, 10)
			it.Kind = inbox.KindComment
			it.ThreadID = strconv.FormatUint(a.pageID, 10) + "_" + postID
			it.ParentID = it.ThreadID
			it.ExternalID = postID + "_" + comment
			it.Permalink = "https://www.facebook.com/" + strconv.FormatUint(a.pageID, 10) + "/posts/" + postID + "?comment_id=" + comment
			return
		}
		// A Messenger message: an opaque m_ id, the conversation per citizen.
		var raw [32]byte // random first, like Meta's; page and index keep it unique
		binary.BigEndian.PutUint64(raw[0:], r.Uint64())
		binary.BigEndian.PutUint64(raw[8:], r.Uint64())
		binary.BigEndian.PutUint64(raw[16:], uint64(k))
		binary.BigEndian.PutUint64(raw[24:], uint64(j))
		it.Kind = inbox.KindMessage
		it.ExternalID = "m_" + base64.RawURLEncoding.EncodeToString(raw[:])
		it.ThreadID = fmt.Sprintf("t_%015d", 100000000000000+c)
		return
	}
	// X: snowflakes carry milliseconds since the X epoch in their top bits.
	handle := fmt.Sprintf("warga_%d", c)
	it.Author = inbox.Author{ID: fmt.Sprintf("15%016d", c), Name: personName(c), Handle: handle}
	ms := uint64(it.CreatedAt.UnixMilli()-1288834974657) + uint64(j)
	id := ms<<22 | uint64(r.IntN(1024))<<12 | uint64(j)
	it.ExternalID = strconv.FormatUint(id, 10)
	if r.IntN(100) < 75 {
		it.Kind = inbox.KindMention
		it.ThreadID = it.ExternalID
		it.Permalink = "https://x.com/" + handle + "/status/" + it.ExternalID
		return
	}
	it.Kind = inbox.KindMessage
	it.ThreadID = strconv.FormatUint(a.pageID, 10) + "-" + it.Author.ID
}

var firstNames = []string{"Budi", "Siti", "Agus", "Dewi", "Rina", "Joko", "Wahyu", "Sri", "Andi", "Nur", "Eko", "Lestari", "Yanti", "Hendra", "Fitri", "Bambang", "Ayu", "Dedi", "Ratna", "Fajar", "Putri", "Rudi", "Indah", "Yusuf"}
var lastNames = []string{"Santoso", "Rahayu", "Wijaya", "Saputra", "Hidayat", "Kurniawan", "Pratama", "Susanti", "Nugroho", "Handayani", "Setiawan", "Purnomo", "Maharani", "Siregar", "Nasution", "Permana"}

func personName(c int) string {
	return firstNames[c%len(firstNames)] + " " + lastNames[(c/len(firstNames))%len(lastNames)]
}

var sentences = []string{
	"Mohon ditindaklanjuti, jalan di {desa} rusak parah dan banyak lubang.",
	"Lampu penerangan jalan di {desa} mati sejak {n} hari lalu, rawan kecelakaan malam hari.",
	"Sampah di TPS {desa} sudah menumpuk {n} hari belum diangkut.",
	"Mau tanya, KTP elektronik saya sudah {n} minggu belum jadi, bagaimana cara cek statusnya?",
	"Banjir lagi di {desa} setelah hujan semalam, air masuk rumah warga.",
	"Drainase di Kecamatan {kec} tersumbat, setiap hujan jalan tergenang.",
	"Air PDAM di {desa} tidak mengalir sudah {n} hari, warga terpaksa beli air galon.",
	"Pendaftaran PPDB tahun ini dibuka kapan ya? Anak saya mau masuk SMP.",
	"Bantuan sosial untuk warga {desa} belum cair, padahal sudah terdaftar di DTKS.",
	"Terima kasih Pemkab, pelayanan di Mal Pelayanan Publik cepat dan petugasnya ramah.",
	"Puskesmas {kec} antreannya panjang sekali, mohon ditambah petugas pendaftaran.",
	"Ada pungutan liar di pasar {desa}, pedagang diminta bayar tanpa karcis resmi.",
	"Jembatan di {desa} retak, warga takut lewat terutama anak sekolah.",
	"Pohon tumbang menutup jalan di Kecamatan {kec}, mohon segera dibersihkan.",
	"Kapan jadwal vaksinasi lansia di Puskesmas {kec}?",
	"Tolong dicek, tagihan PBB saya tahun ini naik dua kali lipat tanpa pemberitahuan.",
	"Izin usaha lewat OSS ditolak terus, sudah {n} kali mengajukan.",
	"Pak, mohon infonya, syarat membuat akta kelahiran anak apa saja?",
}
var desa = []string{"Desa Sukamaju", "Desa Cibodas", "Desa Mekarsari", "Desa Karanganyar", "Desa Sidomulyo", "Kelurahan Tegalrejo", "Desa Sumberjaya", "Desa Margahayu"}
var kec = []string{"Cileunyi", "Bojongsoang", "Banjaran", "Soreang", "Majalaya", "Ciparay", "Rancaekek", "Pangalengan"}

// text is Bahasa Indonesia of 80 to n bytes (n ≤ 400; the sentences are
// ASCII): sentences until n is reached, cut at the last word that fits.
func text(r *rand.Rand, n int) string {
	var b strings.Builder
	b.Grow(n + 120)
	for b.Len() < n {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		s := sentences[r.IntN(len(sentences))]
		s = strings.Replace(s, "{desa}", desa[r.IntN(len(desa))], 1)
		s = strings.Replace(s, "{kec}", kec[r.IntN(len(kec))], 1)
		s = strings.Replace(s, "{n}", strconv.Itoa(2+r.IntN(12)), 1)
		b.WriteString(s)
	}
	out := b.String()[:n]
	if i := strings.LastIndexByte(out, ' '); i >= 80 {
		out = out[:i]
	}
	return out
}

// simplePage is the old benchmark's page k: item n = 100k+j is a comment
// of account humas on post n/40, one sentence, no unit, status new.
func (w *Workload) simplePage(k int) Page {
	p := Page{
		Number:     k,
		Account:    "humas",
		ReceivedAt: w.start.Add(time.Duration(k) * w.step),
		Items:      make([]inbox.Item, PageSize),
		Want:       make([]inbox.Status, PageSize),
		Cursor:     []byte("cursor-" + strconv.Itoa(k)),
	}
	for j := range p.Items {
		p.Items[j] = SimpleItem(k*PageSize + j)
		p.Want[j] = inbox.StatusNew
	}
	return p
}

// SimpleItem is item n of the simple case: a Facebook comment with a
// sentence of Indonesian, author, permalink and no unit.
func SimpleItem(n int) inbox.Item {
	created := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Second)
	return inbox.Item{
		Channel:    ChannelFacebook,
		Account:    "humas",
		Kind:       inbox.KindComment,
		ExternalID: fmt.Sprintf("122100%09d_%09d", n/40, n),
		ThreadID:   fmt.Sprintf("122100%09d", n/40),
		ParentID:   fmt.Sprintf("122100%09d", n/40),
		Author:     inbox.Author{ID: fmt.Sprint(7000000000000000 + n%50000), Name: fmt.Sprintf("Warga Nomor %d", n%50000)},
		Text:       fmt.Sprintf("Mohon ditindaklanjuti, jalan di RT %02d RW %02d rusak parah sejak minggu lalu dan banyak lubang, membahayakan pengendara motor terutama malam hari. Terima kasih.", n%20, n%13),
		Permalink:  fmt.Sprintf("https://www.facebook.com/122100%09d/posts/%09d?comment_id=%09d", n/40, n/40, n),
		CreatedAt:  created,
	}
}

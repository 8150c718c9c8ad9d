package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Platform and shape of a generated message; they map one to one onto what
// the fakes can receive.
type Shape string

const (
	FacebookComment  Shape = "facebook_comment"   // comment under a Page post
	FacebookReply    Shape = "facebook_reply"     // reply to a citizen's comment
	FacebookMessage  Shape = "facebook_message"   // Messenger message to the Page
	FacebookTagged   Shape = "facebook_tagged"    // a citizen's post tagging the Page
	TwitterMention   Shape = "twitter_mention"    // post mentioning the account
	TwitterDirectMsg Shape = "twitter_direct_msg" // DM to the account
	InstagramComment Shape = "instagram_comment"  // comment under the office's Instagram post
	InstagramMessage Shape = "instagram_message"  // Instagram DM to the account
)

// Shapes lists every shape; the generator's mix draws from it.
var Shapes = []Shape{FacebookComment, FacebookReply, FacebookMessage, FacebookTagged, TwitterMention, TwitterDirectMsg, InstagramComment, InstagramMessage}

// Person is a generated citizen.
type Person struct {
	Name   string // display name
	Handle string // X and Instagram username (no @)
	Seq    int    // stable number, for platform ids the fakes derive
}

// Message is one thing a citizen writes.
type Message struct {
	Shape  Shape
	Author Person
	Text   string
	Topic  string // roads, waste, id_card, flood, ..., thanks, question, spam
	// Unit is the unit code of config.example.yaml the office's rules should
	// route the message to: "" when no office owns it, "spam" for spam.
	Unit string
}

// Generator makes a reproducible stream of citizen messages.
type Generator struct {
	rng    *rand.Rand
	people []Person
	n      int
	now    func() time.Time // the wall-clock pace of Run (tests replace it)
}

// NewGenerator returns a generator seeded for reproducible runs.
func NewGenerator(seed uint64) *Generator {
	g := &Generator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), now: time.Now}
	// A bounded population, so the same people write more than once and
	// threads form, as they do on a real regency Page.
	for i := range 200 {
		first := firstNames[g.rng.IntN(len(firstNames))]
		last := lastNames[g.rng.IntN(len(lastNames))]
		g.people = append(g.people, Person{
			Name:   first + " " + last,
			Handle: strings.ToLower(first) + "_" + strings.ToLower(last) + fmt.Sprint(i),
			Seq:    i + 1,
		})
	}
	return g
}

// Next returns the next message of the stream.
func (g *Generator) Next() Message {
	g.n++
	topic := topics[g.rng.IntN(len(topics))]
	tmpl := topic.texts[g.rng.IntN(len(topic.texts))]
	text := strings.NewReplacer(
		"{desa}", villages[g.rng.IntN(len(villages))],
		"{kec}", districts[g.rng.IntN(len(districts))],
		"{hari}", fmt.Sprint(2+g.rng.IntN(12)),
	).Replace(tmpl)
	return Message{
		Shape:  Shapes[g.rng.IntN(len(Shapes))],
		Author: g.people[g.rng.IntN(len(g.people))],
		Text:   text,
		Topic:  topic.name,
		Unit:   topic.unit,
	}
}

// minTick bounds the ticker at high rates: above 100 messages/s each tick
// emits several, so a load run is not limited by timer resolution.
const minTick = 10 * time.Millisecond

// Run emits burst messages at once, then perSecond messages a second until
// ctx ends. tick, when non-nil, replaces the wall-clock ticker (tests drive
// it); each tick then stands for one ticker interval. It returns how many
// messages were emitted and the first emit error, which stops the run.
func (g *Generator) Run(ctx context.Context, perSecond float64, burst int, tick <-chan time.Time, emit func(context.Context, Message) error) (int, error) {
	sent := 0
	send := func(n int) error {
		for range n {
			if err := emit(ctx, g.Next()); err != nil {
				return fmt.Errorf("emit message %d: %w", sent+1, err)
			}
			sent++
		}
		return nil
	}
	if err := send(burst); err != nil {
		return sent, err
	}
	if perSecond <= 0 {
		if tick == nil {
			<-ctx.Done()
			return sent, nil
		}
		perSecond = 1
	}
	interval := max(time.Duration(float64(time.Second)/perSecond), minTick)
	// On the wall clock a tick says only "time to catch up": a ticker drops
	// ticks when this goroutine runs late (a busy machine), which would
	// quietly lower the rate, so what is due is computed from the time
	// passed since the start.
	var start time.Time
	if tick == nil {
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
		start = g.now()
	}
	perTick := perSecond * interval.Seconds()
	var owed float64 // fractional messages carried to the next tick
	paced := 0       // messages sent after the burst
	for {
		select {
		case <-ctx.Done():
			return sent, nil
		case _, ok := <-tick:
			if !ok {
				return sent, nil
			}
			var n int
			if start.IsZero() {
				owed += perTick
				n = int(owed)
				owed -= float64(n)
			} else {
				n = int(perSecond*g.now().Sub(start).Seconds()) - paced
			}
			if err := send(n); err != nil {
				return sent, err
			}
			paced += n
		}
	}
}

// topic is a family of messages and the unit (a code of the example
// config's units:) the office's rules should route them to: "" for
// messages no office owns, "spam" for spam the rules file as ignored.
type topic struct {
	name  string
	unit  string
	texts []string
}

// The demo's citizens write about the topic families of the shipped rules,
// in their own phrasing (not the routing corpus's), plus thanks and
// questions no rule routes, and gambling and loan-shark spam.
var topics = []topic{
	{"roads", "dpupr", []string{
		"Pak, jalan di {desa} Kecamatan {kec} rusak parah, banyak lubang. Sudah {hari} hari tidak ada perbaikan. Mohon segera ditindaklanjuti.",
		"Jembatan kecil di {desa} retak, warga takut lewat. Mohon dicek oleh dinas PUPR.",
		"Drainase di {desa} tersumbat, setiap hujan air meluber ke rumah. Mohon dikeruk.",
		"Aspal jalan poros {kec} mengelupas padahal baru {hari} bulan selesai dikerjakan.",
	}},
	{"waste", "dlh", []string{
		"Sampah di TPS {desa} sudah menumpuk {hari} hari belum diangkut, baunya sampai ke rumah warga.",
		"Truk sampah tidak lewat lagi di {desa}, Kecamatan {kec}. Kapan jadwal pengangkutannya?",
		"Sungai dekat {desa} tercemar limbah pabrik, airnya berbusa dan berbau.",
	}},
	{"id_card", "disdukcapil", []string{
		"Mau tanya, KTP elektronik saya sudah {hari} minggu belum jadi di Disdukcapil. Bagaimana cara cek statusnya?",
		"Syarat membuat KK baru setelah menikah apa saja ya? Saya warga {desa}.",
		"Blangko KTP di Kecamatan {kec} katanya habis, kapan tersedia lagi?",
		"Jam buka pelayanan Disdukcapil hari Sabtu sampai jam berapa ya?",
	}},
	{"flood", "bpbd", []string{
		"Banjir lagi di {desa} setelah hujan semalam, air masuk rumah setinggi lutut. Mohon bantuan BPBD.",
		"Tanggul sungai di Kecamatan {kec} mulai jebol, warga khawatir. Tolong segera dicek.",
		"Tebing di belakang rumah warga {desa} longsor, dua rumah terancam.",
	}},
	{"transport", "dishub", []string{
		"Angkot jurusan {kec} sekarang jarang lewat, anak sekolah kesulitan berangkat pagi.",
		"Tarif bus kota naik tanpa pemberitahuan. Apakah ini resmi dari Dishub?",
		"Lampu penerangan jalan di {desa} mati sejak {hari} hari lalu, rawan kecelakaan malam hari.",
		"Tukang parkir di depan pasar {kec} minta bayaran dua kali lipat.",
	}},
	{"health", "dinkes", []string{
		"Pendaftaran vaksinasi untuk lansia di Puskesmas {kec} dibuka kapan?",
		"Posyandu di {desa} sudah {hari} minggu tidak buka, balita belum ditimbang.",
		"Kasus demam berdarah di {desa} bertambah, mohon segera fogging.",
	}},
	{"hospital", "rsud", []string{
		"Antre di loket pendaftaran RSUD dari jam 6 pagi, baru dilayani jam 11.",
		"Pasien di IGD rumah sakit daerah menunggu {hari} jam belum dapat kamar.",
	}},
	{"school", "disdikbud", []string{
		"Jadwal PPDB SMP negeri di {kec} kapan diumumkan?",
		"Atap kelas SD di {desa} bocor, murid belajar sambil kehujanan.",
		"Guru honorer di {desa} belum menerima honor {hari} bulan.",
	}},
	{"social_aid", "dinsos", []string{
		"Bansos PKH keluarga saya di {desa} tidak cair bulan ini, mohon dicek.",
		"Tetangga saya lansia hidup sendiri dan tidak punya penghasilan, bisa masuk DTKS?",
	}},
	{"water", "pdam", []string{
		"Air PDAM di {desa} tidak mengalir sejak {hari} hari, warga beli air galon.",
		"Tagihan air bulan ini naik tiga kali lipat padahal pemakaian sama.",
	}},
	{"order", "satpolpp", []string{
		"Pedagang kaki lima memenuhi trotoar alun-alun {kec}, pejalan kaki terganggu.",
		"Warung di {desa} menjual miras bebas sampai larut malam.",
	}},
	{"housing", "disperkim", []string{
		"Apakah ada program bantuan bedah rumah untuk warga {desa} tahun ini?",
		"Makam umum di {desa} sudah penuh, warga bingung mau dimakamkan di mana.",
	}},
	{"permit", "dpmptsp", []string{
		"Mengurus PBG untuk ruko di {kec} butuh berapa lama?",
		"NIB usaha saya belum terbit di OSS padahal sudah {hari} hari.",
	}},
	{"tax", "bapenda", []string{
		"SPPT PBB warga {desa} belum dibagikan, padahal jatuh tempo bulan depan.",
		"PBB rumah saya naik dua kali lipat tahun ini, bisa minta keringanan?",
	}},
	{"jobs", "disnaker", []string{
		"Pabrik di {kec} membayar upah di bawah UMK, karyawan takut melapor.",
		"Pelatihan kerja gratis untuk pemuda {desa} kapan dibuka?",
	}},
	{"small_business", "dinkop", []string{
		"Bagaimana cara daftar sertifikat halal gratis untuk UMKM kerupuk di {desa}?",
		"Koperasi simpan pinjam di {kec} macet, uang anggota tidak bisa ditarik.",
	}},
	{"farming", "dispertan", []string{
		"Pupuk subsidi di kios {desa} kosong, petani belum bisa memupuk.",
		"Sawah di {kec} diserang hama wereng, mohon penyuluh datang.",
	}},
	{"village", "dpmd", []string{
		"Penggunaan dana desa {desa} tidak pernah diumumkan ke warga.",
		"Kepala desa {desa} jarang ada di kantor desa, surat pengantar tertunda.",
	}},
	{"tourism", "disporapar", []string{
		"Objek wisata curug di {kec} kotor dan toiletnya rusak, padahal tiket naik.",
		"Stadion kabupaten kapan bisa dipakai latihan klub sepak bola lagi?",
	}},
	{"internet", "diskominfo", []string{
		"Wifi gratis di balai {desa} sudah {hari} minggu tidak bisa dipakai.",
		"Beredar hoaks soal pemadaman listrik se-kabupaten, mohon diluruskan.",
	}},
	{"thanks", "", []string{
		"Terima kasih Pemkab, jalan di {desa} sudah diperbaiki. Sekarang lancar 👍",
		"Terima kasih, pelayanan di Mal Pelayanan Publik cepat sekali, petugasnya ramah.",
		"Terima kasih sudah menanggapi laporan banjir kemarin, bantuan sudah sampai.",
	}},
	{"question", "", []string{
		"Pak Bupati kapan meresmikan pasar baru di {kec}?",
		"Selamat pagi admin, semoga sehat selalu.",
		"Siapa camat {kec} yang baru dilantik?",
	}},
	{"spam", "spam", []string{
		"Slot gacor malam ini pasti maxwin, daftar lewat link di bio!",
		"Butuh dana cepat? Pinjol cair 15 menit tanpa jaminan, chat admin sekarang.",
		"Situs judi online terpercaya, deposit pulsa tanpa potongan.",
	}},
}

var firstNames = []string{"Budi", "Siti", "Agus", "Dewi", "Rina", "Joko", "Wahyu", "Sri", "Andi", "Nur", "Eko", "Lestari", "Yanti", "Hendra", "Fitri", "Bambang", "Ayu", "Dedi", "Ratna", "Fajar"}
var lastNames = []string{"Santoso", "Rahayu", "Wijaya", "Lestari", "Saputra", "Hidayat", "Kurniawan", "Pratama", "Susanti", "Nugroho", "Handayani", "Setiawan", "Purnomo", "Maharani", "Siregar"}
var villages = []string{"Desa Sukamaju", "Desa Cibodas", "Desa Mekarsari", "Desa Karanganyar", "Desa Sidomulyo", "Kelurahan Tegalrejo", "Desa Sumberjaya", "Desa Margahayu"}
var districts = []string{"Cileunyi", "Bojongsoang", "Banjaran", "Soreang", "Majalaya", "Ciparay", "Rancaekek", "Pangalengan"}

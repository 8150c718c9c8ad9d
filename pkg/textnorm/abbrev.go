package textnorm

import "strings"

// abbreviations is the shipped table of common Indonesian chat
// abbreviations, applied word by word after the other steps. Left out on
// purpose: abbreviations with two common meanings ("dr" is "dari" and
// "dokter", "kk" is "kakak" and Kartu Keluarga, "sma" is "sama" and the
// senior high school, "cm" is "cuma" and centimetre, "mks" is "makasih" and
// Makassar, "tak" is "tidak" and Javanese "I will") and the names of
// offices and documents (ktp, kk, pbb, pdam), which rules match as written.
var abbreviations = split(map[string]string{
	// negation
	"tdk": "tidak", "gak": "tidak", "nggak": "tidak", "ngga": "tidak", "ga": "tidak", "gk": "tidak",
	"ggak": "tidak", "enggak": "tidak", "engga": "tidak", "kagak": "tidak", "ndak": "tidak", "nda": "tidak",
	"gaada": "tidak ada", "gada": "tidak ada", "tdkada": "tidak ada",
	"blm": "belum", "blom": "belum", "belom": "belum",
	"bkn": "bukan",
	// function words
	"yg": "yang", "dgn": "dengan", "dg": "dengan", "krn": "karena", "karna": "karena", "krna": "karena",
	"utk": "untuk", "untk": "untuk", "dlm": "dalam", "kpd": "kepada", "pd": "pada",
	"tsb": "tersebut", "ttg": "tentang", "spt": "seperti", "sprti": "seperti", "jg": "juga", "jga": "juga",
	"tp": "tapi", "tpi": "tapi", "kl": "kalau", "klo": "kalau", "kalo": "kalau", "klu": "kalau",
	"trs": "terus", "trus": "terus", "sj": "saja", "aja": "saja", "aj": "saja", "sm": "sama",
	"dll": "dan lain lain", "dsb": "dan sebagainya", "atw": "atau", "ato": "atau",
	"dri": "dari", "bwt": "buat", "sbg": "sebagai", "krg": "kurang", "lbh": "lebih",
	"sgt": "sangat", "bgt": "banget", "bngt": "banget", "byk": "banyak", "bnyk": "banyak", "bnyak": "banyak",
	"hrs": "harus", "msh": "masih", "masi": "masih", "sdh": "sudah", "udh": "sudah", "udah": "sudah",
	"sdah": "sudah", "dah": "sudah", "ud": "sudah", "lg": "lagi", "lgi": "lagi", "sdg": "sedang",
	"lgsg": "langsung", "lgsung": "langsung", "br": "baru", "jd": "jadi", "jdi": "jadi", "bs": "bisa",
	"bsa": "bisa", "dpt": "dapat", "dapet": "dapat", "tau": "tahu", "emg": "memang",
	"emang": "memang", "mmg": "memang", "sampe": "sampai", "smpe": "sampai",
	"cuman": "cuma", "gitu": "begitu", "gt": "begitu", "gini": "begini",
	// questions and requests
	"gmn": "gimana", "gmna": "gimana", "gimn": "gimana", "bgmn": "bagaimana", "knp": "kenapa", "napa": "kenapa",
	"kpn": "kapan", "dmn": "dimana", "dmna": "dimana", "brp": "berapa", "brapa": "berapa",
	"tlg": "tolong", "tlong": "tolong", "mhn": "mohon", "mohn": "mohon", "plis": "tolong", "pls": "tolong",
	// people and places
	"sy": "saya", "sya": "saya", "gw": "saya", "gue": "saya", "gua": "saya", "org": "orang", "orng": "orang",
	"bpk": "bapak", "bp": "bapak", "pak": "bapak", "bu": "ibu", "min": "admin", "mimin": "admin",
	"rmh": "rumah", "jln": "jalan", "jl": "jalan", "jaln": "jalan", "kec": "kecamatan", "kab": "kabupaten",
	"kel": "kelurahan", "ds": "desa", "dsn": "dusun", "sklh": "sekolah", "skolah": "sekolah",
	"pemda": "pemerintah daerah", "pemkab": "pemerintah kabupaten",
	// time
	"skrg": "sekarang", "skrng": "sekarang", "skg": "sekarang", "tgl": "tanggal", "bln": "bulan",
	"thn": "tahun", "th": "tahun", "hr": "hari", "mgg": "minggu", "mlm": "malam", "sblm": "sebelum",
	"stlh": "setelah", "sllu": "selalu", "slalu": "selalu", "kmrn": "kemarin", "kmarin": "kemarin",
	"bsk": "besok", "bsok": "besok",
	// thanks
	"makasih": "terima kasih", "makasi": "terima kasih", "mksh": "terima kasih", "trims": "terima kasih",
	"trimakasih": "terima kasih", "terimakasih": "terima kasih", "thx": "terima kasih", "tks": "terima kasih",
	"tq": "terima kasih",
})

func split(m map[string]string) map[string][]string {
	out := make(map[string][]string, len(m))
	for k, v := range m {
		out[k] = strings.Fields(v)
	}
	return out
}

package textnorm

import (
	"reflect"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		// 1. NFKC and lower case.
		{"ＪＡＬＡＮ Rusak", "jalan rusak"},
		{"ｐｄａｍ", "pdam"},
		{"Ｋｅｃ．", "kecamatan"},
		// 2. digit reduplication, the same as a typed hyphen.
		{"gorong2 mampet", "gorong gorong mampet"},
		{"gorong-gorong mampet", "gorong gorong mampet"},
		{"anak2, ibu2!", "anak anak ibu ibu"},
		{"rt2 rw 05", "rt2 rw 05"},     // no vowel: an address, not a word
		{"covid19 b2b", "covid19 b2b"}, // part of a name or number
		{"2 jam", "2 jam"},
		// 3. punctuation, symbols and emoji become spaces.
		{"Jalan rusak!!!😡😡 #tolong @pemkab", "jalan rusak tolong pemerintah kabupaten"},
		{"lampu...mati", "lampu mati"},
		{"  banyak   spasi\t\nbaris ", "banyak spasi baris"},
		// 4. runs of three or more of the same letter collapse to one.
		{"rusaaak", "rusak"},
		{"gaaak", "tidak"},
		{"maaf tunggu ppdb", "maaf tunggu ppdb"},
		{"tolooong", "tolong"},
		{"10000 rupiah", "10000 rupiah"}, // digits never collapse
		// 5. the abbreviation table, word by word.
		{"yg tdk ada", "yang tidak ada"},
		{"gak nggak ga", "tidak tidak tidak"},
		{"jln jl", "jalan jalan"},
		{"sdh udh blm", "sudah sudah belum"},
		{"dgn krn tlg gmn lg byk", "dengan karena tolong gimana lagi banyak"},
		{"makasih min", "terima kasih admin"},
		// Ambiguous abbreviations and names stay as written.
		{"dr sma kk ktp pdam cm", "dr sma kk ktp pdam cm"},
		// Abbreviations only as whole words.
		{"yang gaji", "yang gaji"},
		{"", ""},
		{"!!!", ""},
	}
	for _, tc := range tests {
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestWords(t *testing.T) {
	got := Words("Tlg, jln2 di Kec. Mojo RUSAAAK")
	want := []string{"tolong", "jalan", "jalan", "di", "kecamatan", "mojo", "rusak"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Words = %q, want %q", got, want)
	}
}

// The table's expansions must be normalised already (a rule word and a text
// word normalise the same way), and no key may expand to itself.
func TestAbbreviationTable(t *testing.T) {
	for k, v := range abbreviations {
		if len(v) == 0 {
			t.Errorf("%q expands to nothing", k)
		}
		for _, w := range v {
			if w == k {
				t.Errorf("%q expands to itself", k)
			}
			if _, again := abbreviations[w]; again {
				t.Errorf("%q expands to %q, which is itself an abbreviation", k, w)
			}
			if n := Normalize(w); n != w {
				t.Errorf("%q expands to %q, which normalises to %q", k, w, n)
			}
		}
		if n := Normalize(k); n != collapseRuns(k) && n != Normalize(collapseRuns(k)) {
			t.Errorf("key %q is not a normalised word", k)
		}
	}
}

// Normalising twice changes nothing: rule words and text meet in one form.
func FuzzNormalizeIdempotent(f *testing.F) {
	for _, s := range []string{"gorong2", "RUSAAAK!!", "yg tdk", "ｐｄａｍ", "😡jalan😡", "a2a2", "e\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := Normalize(s)
		if twice := Normalize(once); twice != once {
			t.Fatalf("Normalize(%q) = %q, again %q", s, once, twice)
		}
	})
}

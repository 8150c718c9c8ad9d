package console

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func newHandler(t *testing.T) *Handler {
	t.Helper()
	h, err := New(Options{TimeZone: "Asia/Jakarta"})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func get(t *testing.T, h http.Handler, path string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestHeaders: the page and every asset carry the strict policy and the
// other security headers; the page is revalidated, hashed assets cached.
func TestHeaders(t *testing.T) {
	h := newHandler(t)
	paths := []string{"/", "/set-password"}
	for _, n := range h.AssetNames() {
		paths = append(paths, "/assets/"+h.Version()+"/"+n)
	}
	for _, p := range paths {
		w := get(t, h, p)
		if w.Code != 200 {
			t.Fatalf("%s: %d", p, w.Code)
		}
		hd := w.Header()
		csp := hd.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", p, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows inline or eval: %q", p, csp)
		}
		if hd.Get("X-Content-Type-Options") != "nosniff" || hd.Get("Referrer-Policy") != "same-origin" {
			t.Errorf("%s: nosniff/referrer: %v", p, hd)
		}
		wantCache := assetCache
		if !strings.HasPrefix(p, "/assets/") {
			wantCache = pageCache
		}
		if got := hd.Get("Cache-Control"); got != wantCache {
			t.Errorf("%s: Cache-Control %q, want %q", p, got, wantCache)
		}
	}
	if w := get(t, h, "/assets/0000000000000000/app.js"); w.Code != 404 || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("an asset of another build: %d %q", w.Code, w.Header().Get("Cache-Control"))
	}
	r := httptest.NewRequest("POST", "/", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 405 {
		t.Errorf("POST /: %d", w.Code)
	}
}

// TestNoInlineScript: the page loads its code from files only (the policy
// would refuse inline code anyway; this catches it before a browser does).
func TestNoInlineScript(t *testing.T) {
	page := get(t, newHandler(t), "/").Body.String()
	for _, m := range regexp.MustCompile(`(?s)<script[^>]*>(.*?)</script>`).FindAllStringSubmatch(page, -1) {
		if strings.TrimSpace(m[1]) != "" {
			t.Errorf("inline script: %q", m[0])
		}
	}
	if regexp.MustCompile(`\son[a-z]+=`).MatchString(page) || strings.Contains(page, "style=") {
		t.Error("inline event handler or style attribute in the page")
	}
	if !strings.Contains(page, `<script type="module" src="/assets/`) {
		t.Errorf("page does not load app.js from /assets/:\n%s", page)
	}
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Errorf("page refers to another site (no CDN):\n%s", page)
	}
}

// TestGzip: text assets are sent compressed to clients that accept gzip,
// and the compressed body is the asset.
func TestGzip(t *testing.T) {
	h := newHandler(t)
	p := "/assets/" + h.Version() + "/vendor/preact.mjs"
	plain := get(t, h, p)
	w := get(t, h, p, "Accept-Encoding", "br, gzip")
	if w.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(w.Header().Get("Vary"), "Accept-Encoding") {
		t.Fatalf("headers: %v", w.Header())
	}
	zr, err := gzip.NewReader(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, plain.Body.Bytes()) || plain.Header().Get("Content-Encoding") != "" {
		t.Error("gzip body differs from the asset, or the plain answer was compressed")
	}
	if w.Body.Len() >= plain.Body.Len() {
		t.Errorf("compressed %d ≥ plain %d", w.Body.Len(), plain.Body.Len())
	}
	if w := get(t, h, p, "Accept-Encoding", "gzip;q=0"); w.Header().Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 got gzip")
	}
}

// TestWeight: the first load (page, style, every module, one catalogue,
// gzipped) stays under the 200 KB; the browser test measures the
// same in Chromium (docs/CONSOLE.md).
func TestWeight(t *testing.T) {
	h := newHandler(t)
	total := get(t, h, "/", "Accept-Encoding", "gzip").Body.Len()
	for _, n := range h.AssetNames() {
		if strings.HasPrefix(n, "messages/") && n != "messages/id.json" {
			continue
		}
		total += get(t, h, "/assets/"+h.Version()+"/"+n, "Accept-Encoding", "gzip").Body.Len()
	}
	t.Logf("first load, gzipped bodies: %d bytes", total)
	if total > 200_000 {
		t.Errorf("first load %d bytes > 200 KB", total)
	}
}

// TestWrap: the console's paths go to the console, the rest to the API.
func TestWrap(t *testing.T) {
	h := newHandler(t)
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) })
	wrapped := h.Wrap(api)
	for p, want := range map[string]int{"/": 200, "/set-password": 200, "/assets/" + h.Version() + "/app.js": 200,
		"/api/v1/items": 299, "/healthz": 299, "/metrics": 299, "/other": 299} {
		if got := get(t, wrapped, p).Code; got != want {
			t.Errorf("%s: %d, want %d", p, got, want)
		}
	}
}

// TestCatalogues: both catalogues have the same keys, no empty string, and
// every key the code looks up with a literal exists. Keys built at run time
// (t(`status.${s}`)) must have their prefix in the catalogue.
func TestCatalogues(t *testing.T) {
	cats := map[string]map[string]string{}
	for _, l := range []string{"id", "en"} {
		b, err := fs.ReadFile(webFS, "web/messages/"+l+".json")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s.json: %v", l, err)
		}
		for k, v := range m {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s.json: %s is empty", l, k)
			}
		}
		cats[l] = m
	}
	for k := range cats["id"] {
		if _, ok := cats["en"][k]; !ok {
			t.Errorf("en.json lacks %s", k)
		}
	}
	for k := range cats["en"] {
		if _, ok := cats["id"][k]; !ok {
			t.Errorf("id.json lacks %s", k)
		}
	}
	literal := regexp.MustCompile(`(?:^|[^\w.])t\('([^']+)'`)
	dynamic := regexp.MustCompile(`(?:^|[^\w.])t\(` + "`" + `([a-z._]+)\$\{`)
	files, _ := fs.Glob(webFS, "web/*.js")
	keys := map[string]bool{}
	for _, f := range files {
		b, _ := fs.ReadFile(webFS, f)
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
			if _, ok := cats["id"][m[1]]; !ok {
				t.Errorf("%s uses t(%q), not in the catalogue", f, m[1])
			}
		}
		for _, m := range dynamic.FindAllStringSubmatch(string(b), -1) {
			if !slices.ContainsFunc(mapKeys(cats["id"]), func(k string) bool { return strings.HasPrefix(k, m[1]) }) {
				t.Errorf("%s builds keys %s..., none in the catalogue", f, m[1])
			}
		}
	}
	if len(keys) < 100 {
		t.Errorf("only %d keys found in the code: is the pattern still right?", len(keys))
	}
}

func mapKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestVendored: the vendored files are the ones VENDOR.md names (hooks is
// the package's file with its one import pointed at the sibling file).
func TestVendored(t *testing.T) {
	doc, err := fs.ReadFile(webFS, "web/vendor/VENDOR.md")
	if err != nil {
		t.Fatal(err)
	}
	h := newHandler(t)
	for _, n := range []string{"vendor/preact.mjs", "vendor/hooks.mjs", "vendor/htm.mjs"} {
		sum := sha256Hex(h.assets[n].body)
		if !strings.Contains(string(doc), sum) {
			t.Errorf("%s: sha256 %s not in VENDOR.md", n, sum)
		}
	}
	if b := h.assets["vendor/hooks.mjs"].body; bytes.Contains(b, []byte(`from"preact"`)) {
		t.Error("hooks.mjs still imports the bare specifier preact (browsers cannot resolve it without an import map)")
	}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Package console is the operator console: a small web app (Preact and htm,
// vendored, no build step) that PR officers use in a browser. Every file is
// embedded in the binary, so `go build` alone produces it, and it needs no
// CDN. The console is only a client of /api/v1: each action it takes is an
// API call a script could make too. See docs/CONSOLE.md.
//
// The handler serves the page at / (and /set-password, where set-password
// links land) and the assets under /assets/<version>/, where <version> is a
// hash of every asset: asset URLs change whenever any asset does, so they
// are cached for a year, while the page itself is revalidated each time.
package console

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
)

//go:embed web
var webFS embed.FS

// Security headers of every console response. The policy allows scripts,
// styles, fetches and frames (the report) from inboxd's own origin only: no
// inline script, no CDN, and no other site may frame the console.
const (
	ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
	assetCache = "public, max-age=31536000, immutable"
	pageCache  = "no-cache"
)

// PagePaths are the paths that answer with the console's page.
var PagePaths = []string{"/", "/set-password"}

// Options configure New.
type Options struct {
	// TimeZone is the IANA name the console shows times in (config
	// timezone); "" is Asia/Jakarta.
	TimeZone string
}

// Handler serves the console.
type Handler struct {
	version string // hash of all assets
	assets  map[string]*asset
	page    *asset
}

type asset struct {
	body, gz    []byte
	contentType string
}

// New reads the embedded files, hashes them and compresses the text ones.
func New(opts Options) (*Handler, error) {
	tz := opts.TimeZone
	if tz == "" {
		tz = "Asia/Jakarta"
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return nil, fmt.Errorf("console: time zone %q: %w", tz, err)
	}
	h := &Handler{assets: map[string]*asset{}}
	sum := sha256.New()
	var names []string
	err := fs.WalkDir(webFS, "web", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == "web/index.html" || strings.HasSuffix(p, ".md") {
			return err
		}
		body, err := webFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "web/")
		names = append(names, name)
		fmt.Fprintf(sum, "%s\x00%d\x00", name, len(body))
		sum.Write(body)
		a, err := newAsset(name, body)
		if err != nil {
			return err
		}
		h.assets[name] = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("console: read assets: %w", err)
	}
	h.version = hex.EncodeToString(sum.Sum(nil))[:16]

	tmpl, err := template.ParseFS(webFS, "web/index.html")
	if err != nil {
		return nil, fmt.Errorf("console: page template: %w", err)
	}
	slices.Sort(names)
	var modules []string
	for _, n := range names {
		if strings.HasSuffix(n, ".js") || strings.HasSuffix(n, ".mjs") {
			modules = append(modules, n)
		}
	}
	var page bytes.Buffer
	if err := tmpl.Execute(&page, map[string]any{
		"Assets": "/assets/" + h.version + "/", "TimeZone": tz, "Modules": modules,
	}); err != nil {
		return nil, fmt.Errorf("console: render page: %w", err)
	}
	if h.page, err = newAsset("index.html", page.Bytes()); err != nil {
		return nil, err
	}
	return h, nil
}

func newAsset(name string, body []byte) (*asset, error) {
	ct := mime.TypeByExtension(path.Ext(name))
	switch path.Ext(name) {
	case ".mjs", ".js":
		ct = "text/javascript; charset=utf-8"
	case ".json":
		ct = "application/json; charset=utf-8"
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	a := &asset{body: body, contentType: ct}
	if strings.HasPrefix(ct, "text/") || strings.Contains(ct, "json") || strings.Contains(ct, "svg") {
		var b bytes.Buffer
		zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
		if err != nil {
			return nil, fmt.Errorf("console: gzip %s: %w", name, err)
		}
		_, _ = zw.Write(body)
		if err := zw.Close(); err != nil {
			return nil, fmt.Errorf("console: gzip %s: %w", name, err)
		}
		a.gz = b.Bytes()
	}
	return a, nil
}

// Version is the asset hash in asset URLs (/assets/<version>/...).
func (h *Handler) Version() string { return h.version }

// AssetNames lists the served asset names (for tests and the weight figure).
func (h *Handler) AssetNames() []string {
	out := make([]string, 0, len(h.assets))
	for n := range h.assets {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Owns reports whether the console answers this path (the rest goes to the API).
func Owns(p string) bool {
	return slices.Contains(PagePaths, p) || strings.HasPrefix(p, "/assets/")
}

// Wrap returns a handler that serves the console's paths and passes every
// other request (the API, /healthz, /metrics) to api unchanged.
func (h *Handler) Wrap(api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if Owns(r.URL.Path) {
			h.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// ServeHTTP serves the page and the assets with the console's headers.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", ContentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if slices.Contains(PagePaths, r.URL.Path) {
		h.send(w, r, h.page, pageCache)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/assets/"+h.version+"/")
	a := h.assets[rest]
	if !ok || a == nil {
		// An old page asking for assets of another build: it must reload.
		hd.Set("Cache-Control", "no-store")
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	h.send(w, r, a, assetCache)
}

func (h *Handler) send(w http.ResponseWriter, r *http.Request, a *asset, cache string) {
	hd := w.Header()
	hd.Set("Content-Type", a.contentType)
	hd.Set("Cache-Control", cache)
	body := a.body
	if a.gz != nil {
		hd.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			hd.Set("Content-Encoding", "gzip")
			body = a.gz
		}
	}
	hd.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body) // a client gone mid-write is not our error
	}
}

// acceptsGzip reads Accept-Encoding: gzip listed without q=0.
func acceptsGzip(ae string) bool {
	for part := range strings.SplitSeq(ae, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

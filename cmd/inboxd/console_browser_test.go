package main

// The operator console in a real browser: Debian's chromium, driven by
// chromedp, against the daemon with the platform fakes. The tests skip with
// one line when chromium is absent and INBOXD_BROWSER_TESTS is unset; .ci/run
// installs chromium and sets it, so CI always runs them.
//
// Screenshots go to INBOXD_SCREENSHOTS when it names a directory
// (INBOXD_SCREENSHOTS=$PWD/docs/img regenerates the README's), else to a
// temporary directory: a test run never rewrites tracked files.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/inboxd/inboxd"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim"
	"github.com/inboxd/inboxd/pkg/sim/graphapi"
)

const browserWait = 30 * time.Second

// chromiumOrSkip finds the browser, or skips (fails when
// INBOXD_BROWSER_TESTS demands the tests).
func chromiumOrSkip(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("INBOXD_CHROMIUM"), "chromium", "chromium-browser"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("INBOXD_BROWSER_TESTS") != "" {
		t.Fatal("INBOXD_BROWSER_TESTS is set but chromium is not installed (apt-get install chromium)")
	}
	t.Skip("browser tests skipped: chromium not installed and INBOXD_BROWSER_TESTS unset (.ci/run installs it and sets it)")
	return ""
}

// browser is one headless chromium with a fresh profile.
type browser struct {
	t    *testing.T
	root context.Context
	dir  string
}

func newBrowser(t *testing.T, path string) *browser {
	t.Helper()
	dir, err := os.MkdirTemp("", "inboxd-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1440, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	root, cancelRoot := chromedp.NewContext(alloc)
	if err := chromedp.Do(root); err != nil {
		cancelRoot()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		cancelRoot()
		cancelAlloc()
		// Chromium's helpers may still write in the profile for a moment.
		for range 50 {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	return &browser{t: t, root: root, dir: dir}
}

// tab is a page in its own browser context (its own cookies), recording
// the page's script errors.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
	mu   sync.Mutex
	errs []string
}

func (b *browser) tab(base string) *tab {
	tb := &tab{t: b.t, base: base}
	ctx, cancel := chromedp.NewContext(b.root, chromedp.WithNewBrowserContext(), chromedp.WithListener(tb.listen))
	b.t.Cleanup(cancel)
	tb.ctx = ctx
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatalf("new tab: %v", err)
	}
	return tb
}

func (tb *tab) listen(ev any) {
	var msg string
	switch e := ev.(type) {
	case *runtime.EventExceptionThrown:
		msg = "exception: " + e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil {
			msg += " " + e.ExceptionDetails.Exception.Description
		}
	case *runtime.EventConsoleAPICalled:
		if e.Type != runtime.ConsoleAPICalledTypeError {
			return
		}
		var parts []string
		for _, a := range e.Args {
			parts = append(parts, string(a.Value)+a.Description)
		}
		msg = "console.error: " + strings.Join(parts, " ")
	default:
		return
	}
	tb.mu.Lock()
	tb.errs = append(tb.errs, msg)
	tb.mu.Unlock()
}

// noScriptErrors fails the test on any exception or console.error so far.
func (tb *tab) noScriptErrors() {
	tb.t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, e := range tb.errs {
		tb.t.Errorf("script error in the page: %s", e)
	}
	tb.errs = nil
}

func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, browserWait)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("browser: %v\n%s", err, tb.snapshot())
	}
}

// eval runs JavaScript and decodes its value into out (nil: ignore it).
func (tb *tab) eval(js string, out any) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, browserWait)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](js, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("evaluate %q: %v", js, err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			tb.t.Fatalf("evaluate %q: decode %s: %v", js, raw, err)
		}
	}
}

// waitJS waits until the expression is truthy.
func (tb *tab) waitJS(what, js string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, browserWait)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingInterval(50*time.Millisecond),
		chromedp.WithPollingTimeout(browserWait))); err != nil {
		tb.t.Fatalf("waiting for %s (%s): %v\n%s", what, js, err, tb.snapshot())
	}
}

// snapshot is the page's URL and text, for failure messages.
func (tb *tab) snapshot() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText.slice(0, 3000)`))
	if err != nil {
		return "(no page text: " + err.Error() + ")"
	}
	return "page: " + s
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	var s string
	tb.eval(fmt.Sprintf(`(document.querySelector(%q)?.innerText || "")`, sel), &s)
	return s
}

// setField sets an input's or select's value the way a person's edit does
// (the input and change events fire).
func (tb *tab) setField(sel, value string) {
	tb.t.Helper()
	tb.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) throw new Error("no " + %q);
		const proto = e.tagName === "SELECT" ? HTMLSelectElement.prototype : e.tagName === "TEXTAREA" ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
		Object.getOwnPropertyDescriptor(proto, "value").set.call(e, %q);
		e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); return true })()`, sel, sel, value), nil)
}

func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	dir := os.Getenv("INBOXD_SCREENSHOTS")
	if dir == "" {
		dir = tb.t.TempDir()
	}
	ctx, cancel := context.WithTimeout(tb.ctx, browserWait)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

func (tb *tab) signIn(user, pw string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(tb.base+"/"), chromedp.WaitVisible(chromedp.CSS("#username")))
	tb.do(chromedp.SendKeys(chromedp.CSS("#username"), user), chromedp.SendKeys(chromedp.CSS("#password"), pw),
		chromedp.Click(chromedp.CSS("form button[type=submit]")))
	tb.waitJS("the inbox after signing in", `document.querySelectorAll("#items li.row").length > 0`)
}

// rowIDs are the item ids the inbox lists.
func (tb *tab) rowIDs() []string {
	tb.t.Helper()
	var ids []string
	tb.eval(`[...document.querySelectorAll("#items li.row")].map(e => e.dataset.id)`, &ids)
	return ids
}

// --- the daemon side

const consolePassword = "kopi tubruk pagi hari"

// createUser makes a user through the API and sets their password with the
// link's code, as the person would.
func (d *daemon) createUser(username, role, unit string) {
	d.t.Helper()
	code, body := d.do("POST", "/api/v1/users", map[string]string{"username": username, "display_name": strings.ToUpper(username[:1]) + username[1:], "role": role, "unit": unit})
	if code != http.StatusCreated {
		d.t.Fatalf("create user %s: %d %s", username, code, body)
	}
	var cu struct {
		URL string `json:"set_password_url"`
	}
	if err := json.Unmarshal(body, &cu); err != nil {
		d.t.Fatal(err)
	}
	_, c, _ := strings.Cut(cu.URL, "code=")
	if code, body := d.do("POST", "/api/v1/session/set-password", map[string]string{"code": c, "password": consolePassword}); code != http.StatusNoContent {
		d.t.Fatalf("set password %s: %d %s", username, code, body)
	}
}

// emitText writes one citizen message of the shape with this text.
func emitText(t *testing.T, f *fakes, gen *sim.Generator, shape sim.Shape, text string) {
	t.Helper()
	m := gen.Next()
	m.Shape = shape
	m.Text = text
	if err := f.world.Emit(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

// waitItem waits until an item with this text is stored and returns it.
func (d *daemon) waitItem(text string) inbox.Item {
	d.t.Helper()
	var found inbox.Item
	waitFor(d.t, "item "+text, func() bool {
		for _, it := range d.items("") {
			if strings.Contains(it.Text, text) {
				found = it
				return true
			}
		}
		return false
	})
	return found
}

// consoleConfig is the harness's two accounts with the example's units and
// routing rules; the Page is read 48 h back, so a Messenger message written
// 25 h before the start (its reply window closed) is imported.
func consoleConfig(f *fakes, dir string) string {
	return strings.Replace(f.configBody(filepath.Join(dir, "data"), tPageToken, "@every 1s"), "lookback: 1h", "lookback: 48h", 1) +
		"ticket_prefix: UP4\n" + exampleBlocks(inboxd.ExampleConfig, "units", "routing")
}

// TestConsoleBrowser walks the console through every scenario of the
// issue, in one daemon and one browser (a browser start costs seconds).
func TestConsoleBrowser(t *testing.T) {
	chrome := chromiumOrSkip(t)
	f := newFakesNoLimits(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	writeFile(t, cfgPath, consoleConfig(f, dir))
	gen := sim.NewGenerator(20)
	emitShapes(t, f.world, gen, 20, sim.FacebookComment, sim.TwitterMention, sim.FacebookMessage)
	f.graph.AddMessage(graphapi.Actor{ID: "240000000009991", Name: "Wati Lestari"},
		"Mohon info jadwal posyandu di Desa Jendela Tutup bulan ini", time.Now().Add(-25*time.Hour))
	emitText(t, f, gen, sim.FacebookMessage, "Mohon info syarat pindah domisili ke Desa Jendela Buka")
	d := startDaemon(t, cfgPath)
	waitFor(t, "62 simulated items", func() bool { return len(d.items("")) >= 62 })
	d.createUser("siti", "admin", "")
	d.createUser("budi", "operator", "pdam")
	d.createUser("dewi", "operator", "")
	// A reply template, where the server has them (issue 16): the composer
	// offers it rendered for the item.
	tplCode, tplBody := d.do("POST", "/api/v1/templates", map[string]string{"name": "lampu-jalan",
		"text": "Terima kasih atas laporannya, {nama}. Laporan {tiket} sudah kami teruskan ke {unit}."})
	hasTemplates := tplCode == http.StatusCreated
	if !hasTemplates && tplCode != http.StatusNotFound {
		t.Fatalf("create template: %d %s", tplCode, tplBody)
	}

	b := newBrowser(t, chrome)
	admin := b.tab(d.base)

	t.Run("sign in and list", func(t *testing.T) {
		admin.t = t
		admin.signIn("siti", consolePassword)
		ids := admin.rowIDs()
		if len(ids) < 50 {
			t.Fatalf("the inbox lists %d items, want the first page of 50", len(ids))
		}
		if it := d.item(ids[0]); it.ID == "" || !strings.Contains(admin.text("#items li.row"), firstWords(it.Text)) {
			t.Errorf("first row does not show the item's text %q:\n%s", it.Text, admin.text("#items li.row"))
		}
		// Weight and render time (recorded in docs/CONSOLE.md, never asserted).
		var perf struct {
			Page, Assets, Files, API int
			RenderMs, FromResponseMs float64
		}
		admin.waitJS("the render measure", `performance.getEntriesByName("inbox-render").length > 0`)
		admin.eval(`(() => { const nav = performance.getEntriesByType("navigation")[0];
			const rs = performance.getEntriesByType("resource");
			const assets = rs.filter(r => r.name.includes("/assets/")), api = rs.filter(r => r.name.includes("/api/v1/items?"));
			const m = performance.getEntriesByName("inbox-render")[0];
			return {Page: nav.transferSize, Assets: assets.reduce((a, r) => a + r.transferSize, 0), Files: assets.length,
				API: api[0] ? api[0].transferSize : 0, RenderMs: m.duration,
				FromResponseMs: api[0] ? m.startTime + m.duration - api[0].responseEnd : -1} })()`, &perf)
		t.Logf("first load: page %d B + %d assets %d B = %d B transferred (gzip); first list answer %d B; 50 items rendered %.1f ms after the data was parsed, %.1f ms after the response ended",
			perf.Page, perf.Files, perf.Assets, perf.Page+perf.Assets, perf.API, perf.RenderMs, perf.FromResponseMs)
		admin.noScriptErrors()
	})
	if t.Failed() {
		return
	}
	t.Run("new message appears live", func(t *testing.T) {
		admin.t = t
		admin.eval(`window.__noReload = 1`, nil)
		emitText(t, f, gen, sim.FacebookComment, "Lampu penerangan jalan di Desa Uji Coba mati sejak Senin")
		admin.waitJS("the new item in the list", `document.querySelector("#items").innerText.includes("Desa Uji Coba")`)
		admin.waitJS("the new-items badge", `document.querySelector("#fresh")?.innerText.includes("1")`)
		var same bool
		admin.eval(`window.__noReload === 1`, &same)
		if !same {
			t.Error("the page reloaded")
		}
		admin.screenshot("console-inbox")
	})
	t.Run("search as you type", func(t *testing.T) {
		admin.t = t
		admin.do(chromedp.Click(chromedp.CSS("#q")), chromedp.SendKeys(chromedp.CSS("#q"), "Uji Cob"))
		admin.waitJS("only the matching item", `(() => { const r = [...document.querySelectorAll("#items li.row")];
			return r.length === 1 && r[0].innerText.includes("Desa Uji Coba") })()`)
		admin.setField("#q", "")
		admin.waitJS("the full list again", `document.querySelectorAll("#items li.row").length >= 50`)
		// The render time of 50 items once the page has settled (the first
		// load above also pays for compiling the modules).
		var n int
		admin.eval(`performance.getEntriesByName("inbox-render").length`, &n)
		admin.setField("#f-status", "")
		admin.waitJS("the list's next render", fmt.Sprintf(`performance.getEntriesByName("inbox-render").length > %d`, n))
		var ms float64
		admin.eval(`performance.getEntriesByName("inbox-render").at(-1).duration`, &ms)
		t.Logf("50 items rendered %.1f ms after the data was parsed (page settled)", ms)
		admin.eval(`performance.getEntriesByName("inbox-render").length`, &n)
		admin.setField("#f-status", "waiting")
		// The keyboard test selects rows of this list: a render still to
		// come would reset its selection under the keys.
		admin.waitJS("the waiting list's render", fmt.Sprintf(`performance.getEntriesByName("inbox-render").length > %d`, n))
	})
	t.Run("keyboard", func(t *testing.T) {
		admin.t = t
		admin.do(chromedp.Click(chromedp.CSS("h1")), chromedp.KeyEvent("j"), chromedp.KeyEvent("j"))
		admin.waitJS("the third row selected after j j", `[...document.querySelectorAll("#items li.row")].findIndex(e => e.classList.contains("sel")) === 2`)
		admin.do(chromedp.KeyEvent("k"), chromedp.KeyEvent("\r"))
		admin.waitJS("the thread of the second row", `location.hash.startsWith("#/item/") && !!document.querySelector("#thread-h")`)
		admin.do(chromedp.Navigate(d.base + "/#/"))
		admin.waitJS("the inbox", `document.querySelectorAll("#items li.row").length > 0`)
	})
	t.Run("reply with a template, queued to sent, item answered", func(t *testing.T) {
		admin.t = t
		it := d.waitItem("Desa Uji Coba")
		admin.do(chromedp.Navigate(d.base + "/#/item/" + it.ID))
		admin.waitJS("the composer", `!!document.querySelector("#reply-text")`)
		admin.screenshot("console-thread")
		admin.eval(`window.__states = []; new MutationObserver(() => document.querySelectorAll("[data-reply] [data-state]").forEach(e => {
			if (window.__states[window.__states.length-1] !== e.dataset.state) window.__states.push(e.dataset.state) }))
			.observe(document.body, {subtree: true, childList: true, attributes: true})`, nil)
		if hasTemplates {
			admin.waitJS("the template picker", `[...document.querySelectorAll("#template option")].some(o => o.value === "lampu-jalan")`)
			admin.setField("#template", "lampu-jalan")
			admin.waitJS("the template rendered for the item", `/^Terima kasih atas laporannya, .+\. Laporan UP4-\d{4}-\d{6} sudah kami teruskan ke [^{]+\.$/.test(document.querySelector("#reply-text").value)`)
		} else {
			t.Log("no reply templates on this server (issue 16 not landed): replying with typed text")
			admin.do(chromedp.SendKeys(chromedp.CSS("#reply-text"), "Terima kasih atas laporannya. Petugas kami akan segera memeriksa lampu jalan tersebut."))
		}
		admin.waitJS("the remaining-characters counter for the text", `+document.querySelector("#remaining").dataset.count > 0`)
		admin.screenshot("console-composer")
		admin.do(chromedp.Click(chromedp.CSS("#send")))
		admin.waitJS("the reply sent", `!!document.querySelector("[data-reply] [data-state=sent]")`)
		admin.waitJS("the item answered", `document.querySelector("#t-status").value === "answered"`)
		var states []string
		admin.eval(`window.__states`, &states)
		if len(states) < 2 || states[0] != "queued" || states[len(states)-1] != "sent" {
			t.Errorf("reply states seen %v, want queued first and sent last", states)
		}
		if got := d.item(it.ID).Status; got != inbox.StatusAnswered {
			t.Errorf("API says %s", got)
		}
		if hasTemplates {
			if text := admin.text("[data-reply] .body"); !strings.Contains(text, it.Ticket) || strings.Contains(text, "{") {
				t.Errorf("the sent reply is not the template rendered for the item: %q", text)
			}
		}
		admin.noScriptErrors()
	})
	if t.Failed() {
		return
	}
	t.Run("Messenger countdown, and sending blocked once the window closed", func(t *testing.T) {
		admin.t = t
		open := d.waitItem("Desa Jendela Buka")
		if open.ReplyWindowEndsAt == nil || !open.ReplyWindowEndsAt.After(time.Now()) {
			t.Fatalf("a fresh Messenger item's reply_window_ends_at: %v", open.ReplyWindowEndsAt)
		}
		admin.do(chromedp.Navigate(d.base + "/#/item/" + open.ID))
		admin.waitJS("the countdown", `/Bisa dibalas sampai \d\d[.:]\d\d, \d+ jam \d+ menit lagi/.test(document.querySelector("#window")?.innerText)`)
		if s := admin.text("#window"); !strings.Contains(s, "23 jam") {
			t.Errorf("countdown of a message written now: %q", s)
		}
		closed := d.waitItem("Desa Jendela Tutup")
		if closed.ReplyWindowEndsAt == nil || closed.ReplyWindowEndsAt.After(time.Now()) {
			t.Fatalf("a 25 h old Messenger item's reply_window_ends_at: %v", closed.ReplyWindowEndsAt)
		}
		admin.do(chromedp.Navigate(d.base + "/#/item/" + closed.ID))
		admin.waitJS("the closed-window message, sending blocked", `!!document.querySelector("#window.error") &&
			document.querySelector("#send").disabled && document.querySelector("#reply-text").disabled`)
		admin.noScriptErrors()
	})
	t.Run("assign to a unit", func(t *testing.T) {
		admin.t = t
		it := d.waitItem("Desa Uji Coba")
		admin.do(chromedp.Navigate(d.base + "/#/item/" + it.ID))
		admin.waitJS("the thread", `!!document.querySelector("#t-unit")`)
		admin.setField("#t-unit", "pdam")
		admin.waitJS("the confirmation", `document.querySelector("#thread-msg")?.innerText.includes("pdam")`)
		waitFor(t, "the item in pdam", func() bool { return d.item(it.ID).Unit == "pdam" })
	})

	officer := b.tab(d.base)
	t.Run("a unit officer sees only their unit, live too", func(t *testing.T) {
		officer.t = t
		officer.signIn("budi", consolePassword)
		officer.setField("#f-status", "")
		officer.waitJS("the item assigned to pdam", `document.querySelector("#items").innerText.includes("Desa Uji Coba")`)
		for _, id := range officer.rowIDs() {
			if u := d.item(id).Unit; u != "pdam" {
				t.Errorf("the pdam officer's list shows %s of unit %q", id, u)
			}
		}
		// Record every event the officer's own stream delivers.
		officer.eval(`window.__seen = []; (() => { const es = new EventSource("/api/v1/events"); window.__es = es;
			es.addEventListener("item.created", e => window.__seen.push(JSON.parse(e.data).text)) })()`, nil)
		officer.waitJS("the test stream open", `window.__es.readyState === 1`)
		emitText(t, f, gen, sim.FacebookComment, "Jalan rusak berlubang di Desa Lain Unit depan balai desa")
		emitText(t, f, gen, sim.FacebookComment, "Air PDAM tidak mengalir di Desa Pipa Kering sejak pagi")
		other := d.waitItem("Desa Lain Unit")
		mine := d.waitItem("Desa Pipa Kering")
		if other.Unit == "pdam" || mine.Unit != "pdam" {
			t.Fatalf("routing: %q → %q, %q → %q (want another unit, and pdam)", other.Text, other.Unit, mine.Text, mine.Unit)
		}
		officer.waitJS("the pdam item live", `document.querySelector("#items").innerText.includes("Desa Pipa Kering")`)
		admin.waitJS("the other unit's item in the admin's list", `document.querySelector("#items") ? document.querySelector("#items").innerText.includes("Desa Lain Unit") : true`)
		officer.waitJS("the pdam item on the stream", `window.__seen.some(s => s.includes("Desa Pipa Kering"))`)
		var leaked bool
		officer.eval(`document.querySelector("#items").innerText.includes("Desa Lain Unit") || window.__seen.some(s => s.includes("Desa Lain Unit"))`, &leaked)
		if leaked {
			t.Error("the pdam officer saw another unit's item (list or stream)")
		}
		officer.eval(`window.__es.close()`, nil)
		officer.do(chromedp.Navigate(d.base + "/#/item/" + other.ID))
		officer.waitJS("not found", `!!document.querySelector(".error")`)
		officer.noScriptErrors()
	})

	t.Run("dashboard and report", func(t *testing.T) {
		admin.t = t
		admin.do(chromedp.Navigate(d.base + "/#/dasbor"))
		admin.waitJS("the dashboard", `!!document.querySelector("#waiting") && !!document.querySelector("[data-account=pemkab-fb]")`)
		// idle or polling (the schedule is every second): nothing to do.
		if s := admin.text("[data-account=pemkab-fb]"); !strings.Contains(s, "Tidak perlu tindakan apa pun") {
			t.Errorf("account health: %q", s)
		}
		admin.screenshot("console-dashboard")
		admin.do(chromedp.Navigate(d.base + "/#/laporan"))
		month := time.Now().In(time.FixedZone("WIB", 7*3600)).Format("2006-01") // the config's Asia/Jakarta (no DST)
		if code, _ := d.do("GET", "/api/v1/reports/monthly?month="+month, nil); code == http.StatusNotFound {
			t.Log("no monthly report on this server (issue 17 not landed): the screen must say so")
			admin.waitJS("the not-available notice", `!!document.querySelector(".unavailable")`)
		} else {
			admin.waitJS("the report in its frame", `document.querySelector("iframe.report-frame")?.contentDocument?.body?.innerText.length > 100`)
			var links []string
			admin.eval(`[document.querySelector("#r-csv").getAttribute("href"), document.querySelector("#r-html").getAttribute("href")]`, &links)
			for i, format := range []string{"csv", "html"} {
				if len(links) != 2 || links[i] != "/api/v1/reports/monthly?month="+month+"&format="+format {
					t.Errorf("download links %v", links)
				}
			}
		}
		admin.screenshot("console-report")
		admin.noScriptErrors()
	})

	t.Run("admin: the routing rules in force, read-only", func(t *testing.T) {
		admin.t = t
		admin.do(chromedp.Navigate(d.base + "/#/admin"))
		admin.waitJS("the admin tabs", `!!document.querySelector("#tab-routing")`)
		admin.do(chromedp.Click(chromedp.CSS("#tab-routing")))
		admin.waitJS("the rule list", `document.querySelectorAll("#rule-list tbody tr").length > 0`)
		var rules struct{ Rules []struct{ Name string } }
		d.getJSON("/api/v1/routing/rules", &rules)
		var rows int
		admin.eval(`document.querySelectorAll("#rule-list tbody tr").length`, &rows)
		if len(rules.Rules) == 0 || rows != len(rules.Rules) || !strings.Contains(admin.text("#rule-list"), rules.Rules[0].Name) {
			t.Errorf("rule list shows %d rows, the API %d rules (first %+v)", rows, len(rules.Rules), rules.Rules)
		}
		admin.noScriptErrors()
	})

	t.Run("English", func(t *testing.T) {
		admin.t = t
		admin.do(chromedp.Navigate(d.base + "/#/"))
		admin.waitJS("the inbox", `document.querySelectorAll("#items li.row").length > 0`)
		if !strings.Contains(admin.text("header nav"), "Kotak masuk") {
			t.Fatalf("default language is not Indonesian: %q", admin.text("header nav"))
		}
		admin.do(chromedp.Click(chromedp.CSS(`header button[lang=en]`)))
		admin.waitJS("English strings", `document.querySelector("header nav")?.innerText.includes("Inbox") && document.documentElement.lang === "en"`)
		if s := admin.text("header nav"); !strings.Contains(s, "Dashboard") || strings.Contains(s, "Dasbor") {
			t.Errorf("nav in English: %q", s)
		}
		admin.do(chromedp.Click(chromedp.CSS(`header button[lang=id]`)))
		admin.waitJS("Indonesian again", `document.querySelector("header nav")?.innerText.includes("Kotak masuk")`)
	})

	t.Run("360 px wide", func(t *testing.T) {
		admin.t = t
		admin.do(chromedp.EmulateViewport(360, 740), chromedp.Navigate(d.base+"/#/"))
		admin.waitJS("the inbox", `document.querySelectorAll("#items li.row").length > 0`)
		for _, page := range []string{"#/", "#/item/" + d.waitItem("Desa Uji Coba").ID, "#/dasbor"} {
			admin.do(chromedp.Navigate(d.base + "/" + page))
			admin.waitJS("the page "+page, `!!document.querySelector("main h1")`)
			var over int
			admin.eval(`document.documentElement.scrollWidth - document.documentElement.clientWidth`, &over)
			if over > 0 {
				t.Errorf("%s at 360 px scrolls sideways by %d px", page, over)
			}
		}
		admin.do(chromedp.Navigate(d.base + "/#/"))
		admin.waitJS("the inbox", `document.querySelectorAll("#items li.row").length > 0`)
		admin.screenshot("console-inbox-360")
		admin.do(chromedp.EmulateViewport(1440, 900))
	})

	t.Run("accessibility (axe-core)", func(t *testing.T) {
		admin.t = t
		axe, err := os.ReadFile(filepath.Join("testdata", "axe-core-4.14.1", "axe.min.js"))
		if err != nil {
			t.Fatal(err)
		}
		for _, page := range []string{"#/", "#/item/" + d.waitItem("Desa Uji Coba").ID, "#/dasbor", "#/laporan", "#/admin"} {
			admin.do(chromedp.Navigate(d.base + "/" + page))
			admin.waitJS("the page "+page, `!!document.querySelector("main h1") && !document.querySelector(".loading")`)
			var loaded bool
			if admin.eval(`typeof axe !== "undefined"`, &loaded); !loaded {
				admin.eval(string(axe)+";true", nil) // a test-only script, injected through the devtools protocol
			}
			var violations []struct {
				ID, Impact, Help string
				Nodes            []struct{ Target []string }
			}
			admin.eval(`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
				.then(r => r.violations.filter(v => v.impact === "serious" || v.impact === "critical"))`, &violations)
			for _, v := range violations {
				var where []string
				for _, n := range v.Nodes {
					where = append(where, strings.Join(n.Target, " "))
				}
				t.Errorf("%s: %s (%s): %s at %v", page, v.ID, v.Impact, v.Help, where)
			}
		}
	})

	t.Run("sign-out ends the stream", func(t *testing.T) {
		admin.t = t
		admin.do(chromedp.Navigate(d.base + "/#/"))
		admin.waitJS("the inbox", `document.querySelectorAll("#items li.row").length > 0`)
		before := d.metrics()[metric("inboxd_http_requests_total", "code", "200", "route", "GET /api/v1/events")]
		admin.do(chromedp.Click(chromedp.CSS("#signout")))
		admin.waitJS("the sign-in form", `!!document.querySelector("#username")`)
		waitFor(t, "the event stream to end", func() bool {
			return d.metrics()[metric("inboxd_http_requests_total", "code", "200", "route", "GET /api/v1/events")] > before
		})
		var status int
		admin.eval(`fetch("/api/v1/session").then(r => r.status)`, &status)
		if status != http.StatusUnauthorized {
			t.Errorf("after sign-out the session answers %d", status)
		}
	})

	t.Run("a disabled user is thrown out", func(t *testing.T) {
		dewi := b.tab(d.base)
		dewi.t = t
		dewi.signIn("dewi", consolePassword)
		dewi.waitJS("the live stream open", `!!document.querySelector(".live.open")`)
		if code, body := d.do("POST", "/api/v1/users/dewi/disable", nil); code != http.StatusOK {
			t.Fatalf("disable: %d %s", code, body)
		}
		dewi.waitJS("the sign-in form with a notice", `!!document.querySelector("#username") && !!document.querySelector(".notice")`)
	})
}

func firstWords(s string) string {
	if r := []rune(s); len(r) > 30 {
		s = string(r[:30])
	}
	return strings.TrimSpace(s)
}

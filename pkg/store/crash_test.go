package store

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// crashChildEnv, when set to a data file path, turns the test binary into
// the crash test's child (see TestMain).
const crashChildEnv = "INBOXD_CRASH_CHILD"

const crashPageSize = 50

func crashPage(n int) []inbox.Item {
	page := make([]inbox.Item, crashPageSize)
	created := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Minute)
	for i := range page {
		page[i] = item(chFacebook, inbox.KindComment, fmt.Sprintf("p%06d-%02d", n, i), fmt.Sprint("post", n%7), fmt.Sprint("u", i%9), created)
	}
	return page
}

func crashCursorPage(c []byte) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(string(c), "page-"))
	return n
}

// crashChild resumes from the stored cursor (re-reading the last committed
// page, as a poller does after a crash) and ingests pages until killed,
// printing each page number once its Ingest has returned.
func crashChild() int {
	s, err := Open(os.Getenv(crashChildEnv), Options{Replies: testRules, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	c, err := s.Cursor("acct")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	for n := max(crashCursorPage(c), 1); ; n++ {
		if _, err := s.Ingest("acct", crashPage(n), nil, []byte(fmt.Sprint("page-", n))); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 3
		}
		fmt.Fprintf(os.Stdout, "%d\n", n) // unbuffered: the parent sees it at once
	}
}

func crashRounds() int {
	if n, err := strconv.Atoi(os.Getenv("INBOXD_CRASH_ROUNDS")); err == nil && n > 0 {
		return n
	}
	return 20
}

// killChild runs this test binary as a child (env set to path), reads the
// page numbers it prints and SIGKILLs it at a random point, up to spin,
// after the killAfter-th; it returns the last number printed (last when
// none was).
func killChild(t *testing.T, round int, env, path string, rng *rand.Rand, killAfter int, spin time.Duration, last int) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env+"="+path)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	seen := 0
	for sc.Scan() {
		if last, err = strconv.Atoi(sc.Text()); err != nil {
			t.Fatalf("child printed %q", sc.Text())
		}
		if seen++; seen == killAfter {
			// Land the kill at a random point of the next Ingest.
			until := time.Now().Add(time.Duration(rng.Int64N(int64(spin))))
			for time.Now().Before(until) {
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, _ = io.Copy(io.Discard, out)
	werr := cmd.Wait()
	if seen < killAfter {
		t.Fatalf("round %d: child ended by itself after %d pages: %v\n%s", round, seen, werr, stderr.String())
	}
	return last
}

func TestCrashDuringIngestLosesNoCommittedPageAndDuplicatesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	rounds := crashRounds()
	lastPrinted, aheadOfPrint := 0, 0
	for round := range rounds {
		lastPrinted = killChild(t, round, crashChildEnv, path, rng, 1+rng.IntN(6), 4*time.Millisecond, lastPrinted)

		s, err := Open(path, Options{Replies: testRules, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatalf("round %d: reopen after SIGKILL: %v", round, err)
		}
		c, err := s.Cursor("acct")
		if err != nil {
			t.Fatal(err)
		}
		committed := crashCursorPage(c)
		// The commit of the page after the last printed one may have
		// landed before the kill.
		if committed != lastPrinted && committed != lastPrinted+1 {
			t.Fatalf("round %d: cursor at page %d, last printed %d", round, committed, lastPrinted)
		}
		err = s.db.View(func(tx *bolt.Tx) error {
			if n := tx.Bucket(bItems).Stats().KeyN; n != committed*crashPageSize {
				return fmt.Errorf("%d items stored for %d committed pages of %d", n, committed, crashPageSize)
			}
			for n := 1; n <= committed+1; n++ {
				for _, it := range crashPage(n) {
					got := tx.Bucket(bDedup).Get(dedupKey(string(it.Channel), "acct", it.ExternalID))
					if (got != nil) != (n <= committed) {
						return fmt.Errorf("page %d item %s present=%v, committed up to %d", n, it.ExternalID, got != nil, committed)
					}
				}
			}
			for e := range tx.Check() {
				return fmt.Errorf("bbolt check: %w", e)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if committed == lastPrinted+1 {
			aheadOfPrint++
		}
		if round == rounds-1 {
			checkConsistent(t, s) // counters and indexes survived every crash
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d rounds, %d pages; %d kills landed between a commit and its print", rounds, lastPrinted, aheadOfPrint)
	if lastPrinted < rounds {
		t.Fatalf("only %d pages in %d rounds", lastPrinted, rounds)
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// backup --out into a folder that does not exist names the folder; it used
// to name the hidden temporary file it could not create.
func TestBackupIntoMissingFolderNamesIt(t *testing.T) {
	cfg, _ := writeConfig(t, "")
	if r := invoke(t, []string{"token", "create", "--config", cfg, "--name", "ops", "--role", "viewer"}); r.err != nil {
		t.Fatal(r.err)
	}
	missing := filepath.Join(t.TempDir(), "backups", "2026")
	r := invoke(t, []string{"backup", "--config", cfg, "--out", filepath.Join(missing, "inboxd.db")})
	if r.err == nil {
		t.Fatal("backup into a missing folder succeeded")
	}
	msg := r.err.Error()
	if !strings.Contains(msg, "the folder "+missing+" does not exist") || strings.Contains(msg, ".tmp") {
		t.Errorf("error = %q, want it to name %s and no temporary file", msg, missing)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("the folder was created: %v", err)
	}
}

// Config warnings reach the operator on every command that reads the
// config (serve logs them at start the same way).
func TestConfigWarningsPrinted(t *testing.T) {
	cfg, _ := writeConfig(t, "")
	r := invoke(t, []string{"config", "check", "--config", cfg}, "INBOXD_ADMIN_TOKEN", "0123456789abcdef0123")
	if r.err != nil {
		t.Fatal(r.err)
	}
	if !strings.Contains(r.stderr, "level=WARN") || !strings.Contains(r.stderr, "INBOXD_ADMIN_TOKEN is set in the environment, but") ||
		strings.Contains(r.stderr, "0123456789abcdef0123") {
		t.Errorf("stderr = %q", r.stderr)
	}

	empty := filepath.Join(t.TempDir(), "empty.yaml")
	writeFile(t, empty, "")
	r = invoke(t, []string{"config", "check", "--config", empty})
	if r.err != nil || !strings.Contains(r.stderr, "empty.yaml is empty: inboxd runs with no accounts") {
		t.Errorf("empty config: %v, stderr %q", r.err, r.stderr)
	}
}

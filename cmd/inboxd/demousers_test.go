package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/inboxd/inboxd/pkg/config"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/password"
	"github.com/inboxd/inboxd/pkg/store"
)

// A reused demo data file gets its console users back as the demo prints
// them: enabled, in their unit, with this run's password and not the last.
func TestDemoUsersRefreshOnAReusedDataFile(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(filepath.Join(t.TempDir(), "inboxd.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg, err := config.Parse("test", []byte("units:\n  - code: dpupr\n    name: Dinas Pekerjaan Umum dan Penataan Ruang\n    short: DPUPR\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	first, err := demoUsers(ctx, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	disabled, elsewhere := true, "dinkes"
	if _, _, err := st.UpdateUser("test", "petugas-dpupr", store.UserChange{Disabled: &disabled, Unit: &elsewhere}); err != nil {
		t.Fatal(err)
	}
	second, err := demoUsers(ctx, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := password.NewHasher(password.DefaultParams, password.MaxConcurrent)
	for i, u := range second {
		rec, hash, err := st.UserCredentials(u.Username)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Disabled || rec.Unit != u.Unit || rec.Role != u.Role {
			t.Errorf("%s after the second run: %+v", u.Username, rec)
		}
		if ok, err := h.Verify(ctx, hash, u.Password); err != nil || !ok {
			t.Errorf("%s: this run's password does not sign in (%v)", u.Username, err)
		}
		if ok, _ := h.Verify(ctx, hash, first[i].Password); ok || first[i].Password == u.Password {
			t.Errorf("%s: the earlier run's password still signs in", u.Username)
		}
		if err := password.Check(u.Username, u.Password); err != nil {
			t.Errorf("%s: printed password breaks the policy: %v", u.Username, err)
		}
	}
	if len(second) != 2 || second[0].Role != inbox.RoleAdmin || second[1].Unit != "dpupr" {
		t.Errorf("demo users = %+v", second)
	}
}

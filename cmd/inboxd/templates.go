package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/inboxd/inboxd/pkg/config"
	"github.com/inboxd/inboxd/pkg/store"
)

// templatesImport re-imports a reply templates file on purpose: each
// template in it is created or replaced (audited as cli); the store's
// other templates stay. The file is checked as templates_file is.
func templatesImport(_ context.Context, e env, args []string) error {
	const usage = "--config FILE TEMPLATES.yaml"
	fs := newFlags("templates import")
	path := configFlag(fs)
	pos, err := parse(fs, e, usage, args)
	if err != nil {
		return err
	}
	if err := requireConfig(fs, e, usage, *path); err != nil {
		return err
	}
	if len(pos) != 1 {
		flagUsage(fs, e.stderr, usage)
		return usageErrorf(e.stderr, "templates import: give exactly one templates FILE (e.g. templates/id.yaml)")
	}
	cfg, err := loadConfig(*path, e.getenv)
	if err != nil {
		return err
	}
	ts, err := config.LoadTemplates(pos[0], cfg.UnitCodes())
	if err != nil {
		return fmt.Errorf("templates import: %w", err)
	}
	var created, updated int
	err = onStore(cfg, e, true, "change templates through the API (PUT /api/v1/templates/{name}) or stop the daemon",
		func(st *store.Store) error {
			created, updated, err = st.ImportTemplates(cliActor, ts, false)
			return err
		})
	if err != nil {
		return fmt.Errorf("templates import: %w", err)
	}
	fmt.Fprintf(e.stdout, "imported %d templates from %s: %d created, %d replaced, %d unchanged\n",
		len(ts), pos[0], created, updated, len(ts)-created-updated)
	return nil
}

// seedTemplates stores the templates_file's templates when the store has
// none (the first start); after that the API is the source of truth.
func seedTemplates(st *store.Store, cfg *config.Config, logger *slog.Logger) error {
	if len(cfg.Templates) == 0 {
		return nil
	}
	created, _, err := st.ImportTemplates("seed", cfg.Templates, true)
	if err != nil {
		return fmt.Errorf("seed reply templates: %w", err)
	}
	if created > 0 {
		logger.Info("reply templates seeded from templates_file", "file", cfg.TemplatesFile, "count", created)
	}
	return nil
}

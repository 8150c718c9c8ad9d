package store

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// TemplateDetail is a template with the audit trail of its changes.
type TemplateDetail struct {
	inbox.Template
	Audit []inbox.AuditEntry `json:"audit"`
}

// Templates returns every reply template, by name.
func (s *Store) Templates() ([]inbox.Template, error) {
	var out []inbox.Template
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bTemplates).ForEach(func(_, v []byte) error {
			var t inbox.Template
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("template: decode: %w", err)
			}
			out = append(out, t)
			return nil
		})
	})
	return out, err
}

func getTemplate(tx *bolt.Tx, name string) (inbox.Template, bool, error) {
	var t inbox.Template
	v := tx.Bucket(bTemplates).Get([]byte(name))
	if v == nil {
		return t, false, nil
	}
	if err := json.Unmarshal(v, &t); err != nil {
		return t, false, fmt.Errorf("template %s: decode: %w", name, err)
	}
	return t, true, nil
}

// Template returns one template (ErrNotFound when there is none).
func (s *Store) Template(name string) (inbox.Template, error) {
	var t inbox.Template
	err := s.view(func(tx *bolt.Tx) error {
		var ok bool
		var err error
		t, ok, err = getTemplate(tx, name)
		if err == nil && !ok {
			err = fmt.Errorf("template %q: %w", name, ErrNotFound)
		}
		return err
	})
	return t, err
}

// TemplateDetail returns a template with its audit trail.
func (s *Store) TemplateDetail(name string) (TemplateDetail, error) {
	var d TemplateDetail
	err := s.view(func(tx *bolt.Tx) error {
		t, ok, err := getTemplate(tx, name)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("template %q: %w", name, ErrNotFound)
		}
		d.Template = t
		d.Audit, err = auditUnder(tx.Bucket(bTemplateAudit), prefix(name))
		return err
	})
	return d, err
}

// CreateTemplate stores a new template (ErrConflict when the name exists).
// The caller has checked it (inbox.CheckTemplate).
func (s *Store) CreateTemplate(actor string, t inbox.Template) (inbox.Template, error) {
	err := s.write(func(w *wctx) error {
		if _, ok, err := getTemplate(w.tx, t.Name); err != nil || ok {
			if ok {
				return fmt.Errorf("template %q exists: %w", t.Name, ErrConflict)
			}
			return err
		}
		return w.putTemplate(actor, t, nil)
	})
	return t, err
}

// UpdateTemplate replaces a template (ErrNotFound when there is none),
// auditing each changed field. check, when not nil, sees the stored one
// first and may refuse the change (a unit-scoped caller).
func (s *Store) UpdateTemplate(actor string, t inbox.Template, check func(old inbox.Template) error) (inbox.Template, error) {
	err := s.write(func(w *wctx) error {
		old, ok, err := getTemplate(w.tx, t.Name)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("template %q: %w", t.Name, ErrNotFound)
		}
		if check != nil {
			if err := check(old); err != nil {
				return err
			}
		}
		return w.putTemplate(actor, t, &old)
	})
	return t, err
}

// DeleteTemplate removes a template (ErrNotFound when there is none); its
// audit trail stays, ending with the deletion.
func (s *Store) DeleteTemplate(actor, name string, check func(old inbox.Template) error) error {
	return s.write(func(w *wctx) error {
		old, ok, err := getTemplate(w.tx, name)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("template %q: %w", name, ErrNotFound)
		}
		if check != nil {
			if err := check(old); err != nil {
				return err
			}
		}
		if err := w.tx.Bucket(bTemplates).Delete([]byte(name)); err != nil {
			return err
		}
		return w.templateAudit(name, actor, "deleted", old.Text, "")
	})
}

// ImportTemplates creates or replaces each of ts (a shipped or edited
// file, imported on purpose); templates not in ts stay. With onlyIfEmpty
// it imports nothing when the store holds any template (the seed on
// start: after that the API is the source of truth).
func (s *Store) ImportTemplates(actor string, ts []inbox.Template, onlyIfEmpty bool) (created, updated int, err error) {
	err = s.write(func(w *wctx) error {
		if onlyIfEmpty {
			if k, _ := w.tx.Bucket(bTemplates).Cursor().First(); k != nil {
				return nil
			}
		}
		for _, t := range ts {
			old, ok, err := getTemplate(w.tx, t.Name)
			if err != nil {
				return err
			}
			var prev *inbox.Template
			if ok {
				if old == t {
					continue
				}
				prev = &old
				updated++
			} else {
				created++
			}
			if err := w.putTemplate(actor, t, prev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return created, updated, nil
}

// putTemplate stores t and audits it against old (nil: created).
func (w *wctx) putTemplate(actor string, t inbox.Template, old *inbox.Template) error {
	raw, err := json.Marshal(t)
	if err != nil {
		return err
	}
	if err := w.tx.Bucket(bTemplates).Put([]byte(t.Name), raw); err != nil {
		return err
	}
	if old == nil {
		return w.templateAudit(t.Name, actor, "created", "", t.Text)
	}
	for _, c := range []struct{ field, from, to string }{
		{"text", old.Text, t.Text},
		{"unit", old.Unit, t.Unit},
		{"channel", string(old.Channel), string(t.Channel)},
		{"kind", string(old.Kind), string(t.Kind)},
		{"language", old.Language, t.Language},
	} {
		if c.from != c.to {
			if err := w.templateAudit(t.Name, actor, c.field, c.from, c.to); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *wctx) templateAudit(name, actor, field, from, to string) error {
	e := inbox.AuditEntry{At: w.now, Actor: actor, Field: field, From: from, To: to}
	raw, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return w.tx.Bucket(bTemplateAudit).Put(withID(prefix(name), w.s.newID(w.now)), raw)
}

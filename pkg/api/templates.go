package api

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/inboxd/inboxd/pkg/calendar"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

// templateBody is the body of POST /api/v1/templates and PUT
// /api/v1/templates/{name} (a PUT may leave name out).
type templateBody struct {
	Name     string        `json:"name"`
	Text     string        `json:"text"`
	Unit     string        `json:"unit"`
	Channel  inbox.Channel `json:"channel"`
	Kind     inbox.Kind    `json:"kind"`
	Language string        `json:"language"`
}

type templateList struct {
	Templates    []inbox.Template `json:"templates"`
	Placeholders []string         `json:"placeholders"`
}

// templateVisible reports whether a caller scoped to unit sc may see t:
// shared templates (no unit) and its own unit's.
func templateVisible(t inbox.Template, sc string) bool {
	return sc == "" || t.Unit == "" || t.Unit == sc
}

// errTemplateScope refuses a unit-scoped caller's change of a template of
// no unit or another unit.
func errTemplateScope(sc string) error {
	return authFailure(problem(http.StatusForbidden, "forbidden", "unit: a token scoped to unit "+strconv.Quote(sc)+
		" manages only that unit's templates", FieldError{Field: "unit", Message: "must be " + strconv.Quote(sc)}), reasonScope)
}

func (s *Server) listTemplates(w http.ResponseWriter, r *http.Request) error {
	all, err := s.store.Templates()
	if err != nil {
		return err
	}
	out := templateList{Templates: []inbox.Template{}, Placeholders: inbox.Placeholders}
	for _, t := range all {
		if templateVisible(t, scope(r)) {
			out.Templates = append(out.Templates, t)
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

// templateFrom checks a body as the template it would save.
func (s *Server) templateFrom(r *http.Request, b templateBody) (inbox.Template, error) {
	t := inbox.Template{Name: strings.TrimSpace(b.Name), Text: b.Text, Unit: strings.TrimSpace(b.Unit),
		Channel: b.Channel, Kind: b.Kind, Language: strings.TrimSpace(b.Language)}
	if sc := scope(r); sc != "" {
		if t.Unit == "" {
			t.Unit = sc
		}
		if t.Unit != sc {
			return t, errTemplateScope(sc)
		}
	}
	if err := inbox.CheckTemplate(t, s.channels); err != nil {
		return t, err
	}
	if err := s.checkUnitField(t.Unit); err != nil {
		return t, err
	}
	return t, nil
}

func (s *Server) createTemplate(w http.ResponseWriter, r *http.Request) error {
	var b templateBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	t, err := s.templateFrom(r, b)
	if err != nil {
		return err
	}
	t, err = s.store.CreateTemplate(actor(r), t)
	if errors.Is(err, store.ErrConflict) {
		return problem(http.StatusConflict, "conflict", "name: template "+strconv.Quote(t.Name)+" exists; change it with PUT /api/v1/templates/"+url.PathEscape(t.Name))
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/templates/"+url.PathEscape(t.Name))
	return writeJSON(w, http.StatusCreated, t)
}

// templateInScope loads a template and hides it (404) from callers of
// another unit.
func (s *Server) templateInScope(r *http.Request, name string) (store.TemplateDetail, error) {
	d, err := s.store.TemplateDetail(name)
	if errors.Is(err, store.ErrNotFound) || err == nil && !templateVisible(d.Template, scope(r)) {
		return d, errNotFound("template " + strconv.Quote(name))
	}
	return d, err
}

func (s *Server) getTemplate(w http.ResponseWriter, r *http.Request) error {
	d, err := s.templateInScope(r, r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

// scopedChange lets a unit-scoped caller change only its unit's templates
// (another unit's stay hidden: 404).
func scopedChange(r *http.Request, name string) func(old inbox.Template) error {
	sc := scope(r)
	return func(old inbox.Template) error {
		switch {
		case sc == "" || old.Unit == sc:
			return nil
		case old.Unit != "":
			return errNotFound("template " + strconv.Quote(name))
		}
		return errTemplateScope(sc)
	}
}

func (s *Server) putTemplate(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	var b templateBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	if b.Name != "" && b.Name != name {
		return invalid("name", "is %q but the path names %q; a template is renamed by creating the new one and deleting the old", b.Name, name)
	}
	b.Name = name
	t, err := s.templateFrom(r, b)
	if err != nil {
		return err
	}
	t, err = s.store.UpdateTemplate(actor(r), t, scopedChange(r, name))
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("template " + strconv.Quote(name))
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, t)
}

func (s *Server) deleteTemplate(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	err := s.store.DeleteTemplate(actor(r), name, scopedChange(r, name))
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("template " + strconv.Quote(name))
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// itemTemplate is one template of GET /api/v1/items/{id}/templates:
// text is rendered for the item; template_text is the stored text.
type itemTemplate struct {
	inbox.Template
	TemplateText string `json:"template_text"`
}

type itemTemplateList struct {
	Templates []itemTemplate `json:"templates"`
}

// renderFor fills t's placeholders for the item now.
func (s *Server) renderFor(t inbox.Template, it inbox.Item) string {
	var u inbox.Unit
	if reg := s.units.Load(); reg != nil {
		if i := slices.IndexFunc(reg.list, func(u inbox.Unit) bool { return u.Code == it.Unit }); i >= 0 {
			u = reg.list[i]
		}
	}
	return t.Render(calendar.TemplateValuesFor(it, u, s.now(), s.deadlines.Location()))
}

func (s *Server) itemTemplates(w http.ResponseWriter, r *http.Request) error {
	it, err := s.itemInScope(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	all, err := s.store.Templates()
	if err != nil {
		return err
	}
	out := itemTemplateList{Templates: []itemTemplate{}}
	for _, t := range all {
		if !t.Fits(it) {
			continue
		}
		rt := itemTemplate{Template: t, TemplateText: t.Text}
		rt.Text = s.renderFor(t, it)
		out.Templates = append(out.Templates, rt)
	}
	return writeJSON(w, http.StatusOK, out)
}

// replyText is a reply body's text: its text, or its template rendered for
// the item. Both is a 400; an unknown template (or one of another unit)
// or one that does not fit the item is a 422 naming it.
func (s *Server) replyText(r *http.Request, it inbox.Item, body newReply) (string, error) {
	if body.Template == "" {
		return body.Text, nil
	}
	if body.Text != "" {
		return "", badRequest("template", "give text or template, not both")
	}
	t, err := s.store.Template(body.Template)
	if errors.Is(err, store.ErrNotFound) || err == nil && !templateVisible(t, scope(r)) {
		return "", invalid("template", "unknown template %q (GET /api/v1/items/%s/templates lists those that fit this item)", body.Template, it.ID)
	}
	if err != nil {
		return "", err
	}
	if why := t.TemplateMismatch(it); why != "" {
		return "", invalid("template", "%s", why)
	}
	return s.renderFor(t, it), nil
}

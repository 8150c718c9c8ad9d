package config

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/templates"
)

var templateKeys = []string{"name", "text", "unit", "channel", "kind", "language"}

// templatesFile reads the reply templates file templates_file names; a
// relative path is relative to the config file, and a shipped file
// (templates/id.yaml) not beside the config is read from the binary.
func (d *decoder) templatesFile(n *yaml.Node, p, file string, units []string) []inbox.Template {
	data, resolved, ok := d.namedFile(n, p, file, "templates", templates.Dir, templates.Files)
	if !ok {
		return nil
	}
	sub := &decoder{file: resolved, getenv: d.getenv, readFile: d.readFile}
	ts := sub.templatesDoc(data, units)
	if len(sub.errs) > 0 {
		d.errorf(n, p, "the templates file %s has errors (below)", file)
	}
	d.errs = append(d.errs, sub.errs...)
	return ts
}

// LoadTemplates reads a reply templates file (inboxd templates import):
// a YAML list of {name, text[, unit, channel, kind, language]}. units, when
// not nil, are the codes a template's unit may name. Errors name the file
// and line.
func LoadTemplates(file string, units []string) ([]inbox.Template, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read templates: %w", err)
	}
	d := &decoder{file: file, getenv: func(string) (string, bool) { return "", false }, readFile: os.ReadFile}
	ts := d.templatesDoc(data, units)
	if len(d.errs) > 0 {
		errs := make([]error, len(d.errs))
		for i, e := range d.errs {
			errs[i] = e
		}
		return nil, errors.Join(errs...)
	}
	return ts, nil
}

func (d *decoder) templatesDoc(data []byte, units []string) []inbox.Template {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		d.errorf(nil, "", "invalid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
		return nil
	}
	var top *yaml.Node
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		top = root.Content[0]
	}
	return d.templates(top, "", units)
}

// templates decodes a list of reply templates, each checked as the API
// checks one (inbox.CheckTemplate), names unique.
func (d *decoder) templates(n *yaml.Node, p string, units []string) []inbox.Template {
	var out []inbox.Template
	seen := map[string]int{}
	for i, tn := range d.seq(n, p, "a list of templates ({name, text[, unit, channel, kind, language]})") {
		tp := fmt.Sprintf("%s[%d]", p, i)
		var t inbox.Template
		for _, e := range d.entries(tn, tp) {
			ep := join(tp, e.key)
			var s string
			switch e.key {
			case "name":
				d.str(e.val, ep, &t.Name)
			case "text":
				d.str(e.val, ep, &t.Text)
			case "unit":
				if d.str(e.val, ep, &t.Unit) && units != nil && t.Unit != "" && !slices.Contains(units, t.Unit) {
					d.errorf(e.val, ep, "unknown unit %q; configured units: %s", t.Unit, strings.Join(units, ", "))
				}
			case "channel":
				d.str(e.val, ep, &s)
				t.Channel = inbox.Channel(s)
			case "kind":
				d.str(e.val, ep, &s)
				t.Kind = inbox.Kind(s)
			case "language":
				d.str(e.val, ep, &t.Language)
			default:
				d.unknown(e, tp, templateKeys)
			}
		}
		t.Text = strings.TrimSpace(t.Text)
		var fe inbox.FieldError
		if err := inbox.CheckTemplate(t, d.channels()); errors.As(err, &fe) {
			d.errorf(tn, join(tp, fe.FieldName()), "%s", fe.Detail())
			continue
		}
		if line, dup := seen[t.Name]; dup {
			d.errorf(tn, join(tp, "name"), "duplicate template name %q (first on line %d)", t.Name, line)
			continue
		}
		seen[t.Name] = resolve(tn).Line
		out = append(out, t)
	}
	return out
}

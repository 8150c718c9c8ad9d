package config

import (
	"errors"
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/inboxd/inboxd/pkg/rules"
)

var ruleKeys = []string{"name", "any_words", "all_words", "regex", "channel", "account", "kind", "author_handle",
	"unit", "tags", "priority", "assignee", "status"}

// routing decodes the routing: list and checks it with pkg/rules against
// the units (when configured), so a bad rule is refused with its line.
func (d *decoder) routing(n *yaml.Node, path string, units []string) []rules.Rule {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "must be a list of rules (each item starting with \"- name: ...\")")
		return nil
	}
	out := make([]rules.Rule, 0, len(n.Content))
	// lines[i][field] is where rule i's key is, for pkg/rules' errors.
	lines := make([]map[string]*yaml.Node, 0, len(n.Content))
	for i, rn := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		rn = resolve(rn)
		at := map[string]*yaml.Node{"": rn}
		lines = append(lines, at)
		var r rules.Rule
		if isNull(rn) || rn.Kind != yaml.MappingNode {
			d.errorf(rn, p, "must be a mapping with name, matchers and what the rule sets")
			out = append(out, r)
			continue
		}
		for _, e := range d.entries(rn, p) {
			ep := join(p, e.key)
			at[e.key] = e.val
			words := func(dst *[]string) {
				for j, it := range d.list(e.val, ep) {
					*dst = append(*dst, it.value)
					at[fmt.Sprintf("%s[%d]", e.key, j)] = it.node
				}
			}
			switch e.key {
			case "name":
				d.str(e.val, ep, &r.Name)
			case "any_words":
				words(&r.AnyWords)
			case "all_words":
				words(&r.AllWords)
			case "tags":
				words(&r.Tags)
			case "regex":
				d.str(e.val, ep, &r.Regex)
			case "channel":
				d.str(e.val, ep, &r.Channel)
			case "account":
				d.str(e.val, ep, &r.Account)
			case "kind":
				d.str(e.val, ep, &r.Kind)
			case "author_handle":
				d.str(e.val, ep, &r.AuthorHandle)
			case "unit":
				d.str(e.val, ep, &r.Unit)
			case "priority":
				d.str(e.val, ep, &r.Priority)
			case "assignee":
				d.str(e.val, ep, &r.Assignee)
			case "status":
				d.str(e.val, ep, &r.Status)
			default:
				d.unknown(e, p, ruleKeys)
			}
		}
		out = append(out, r)
	}
	_, err := rules.Compile(out, units, d.channels()...)
	var re *rules.Error
	for _, e := range unjoin(err) {
		if !errors.As(e, &re) {
			d.errorf(n, path, "%v", e)
			continue
		}
		node := lines[re.Index][re.Field]
		if node == nil {
			node = lines[re.Index][""]
		}
		p := fmt.Sprintf("%s[%d]", path, re.Index)
		if re.Field != "" {
			p = join(p, re.Field)
		}
		d.errorf(node, p, "%s", re.Msg)
	}
	return out
}

// unjoin splits an errors.Join result into its errors.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

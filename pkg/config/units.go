package config

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/inboxd/inboxd/pkg/inbox"
)

var unitKeys = []string{"code", "name", "short", "contact"}

// Limits of a unit's display fields.
const (
	maxUnitName    = 200
	maxUnitContact = 500
)

// units decodes the top-level units: list. A present but empty list is a
// registry with no unit (every unit is then unknown); an absent key keeps
// units free text.
func (d *decoder) units(n *yaml.Node, path string) []inbox.Unit {
	n = resolve(n)
	if isNull(n) {
		return []inbox.Unit{}
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "must be a list of units (each item starting with \"- code: ...\")")
		return []inbox.Unit{}
	}
	seen := map[string]int{}
	out := make([]inbox.Unit, 0, len(n.Content))
	for i, un := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		un = resolve(un)
		if isNull(un) || un.Kind != yaml.MappingNode {
			d.errorf(un, p, "must be a mapping with code and name")
			continue
		}
		var u inbox.Unit
		var codeNode *yaml.Node
		for _, e := range d.entries(un, p) {
			ep := join(p, e.key)
			switch e.key {
			case "code":
				codeNode = e.val
				if d.str(e.val, ep, &u.Code) && u.Code != "" && !inbox.ValidUnitCode(u.Code) {
					d.errorf(e.val, ep, "%q must be 1-%d characters of a-z, 0-9 and -, not starting with -", u.Code, inbox.MaxUnitCodeLen)
				}
			case "name":
				if d.str(e.val, ep, &u.Name) && len([]rune(u.Name)) > maxUnitName {
					d.errorf(e.val, ep, "is longer than %d characters", maxUnitName)
				}
			case "short":
				d.str(e.val, ep, &u.Short)
			case "contact":
				if d.str(e.val, ep, &u.Contact) && len([]rune(u.Contact)) > maxUnitContact {
					d.errorf(e.val, ep, "is longer than %d characters", maxUnitContact)
				}
			default:
				d.unknown(e, p, unitKeys)
			}
		}
		switch {
		case u.Code == "":
			d.errorf(un, join(p, "code"), "is required")
		case seen[u.Code] > 0:
			d.errorf(codeNode, join(p, "code"), "duplicate unit code %q (first on line %d)", u.Code, seen[u.Code])
		default:
			seen[u.Code] = codeNode.Line
		}
		if u.Name == "" {
			d.errorf(un, join(p, "name"), "is required (the office's full name)")
		}
		out = append(out, u)
	}
	return out
}

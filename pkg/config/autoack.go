package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// DefaultAutoAckQuietPeriod is auto_ack.quiet_period when it is not set.
const DefaultAutoAckQuietPeriod = 24 * time.Hour

// AutoAck is an account's automatic acknowledgement (auto_ack:). It is a
// key common to every platform.
type AutoAck struct {
	OfficeHoursTemplate string // while the office calendar says open
	AfterHoursTemplate  string // otherwise
	Kinds               []inbox.Kind
	QuietPeriod         time.Duration // per case
	// IUnderstandXAutomationRules allows public acknowledgements
	// (mentions) on X, whose automation rules restrict automated replies.
	IUnderstandXAutomationRules bool
}

var autoAckKeys = []string{"office_hours_template", "after_hours_template", "kinds", "quiet_period", "i_understand_x_automation_rules"}

// autoAck decodes an account's auto_ack block; platform is the account's.
func (d *decoder) autoAck(n *yaml.Node, path string, platform inbox.Channel) *AutoAck {
	rn := resolve(n)
	if isNull(rn) {
		return nil
	}
	a := &AutoAck{Kinds: []inbox.Kind{inbox.KindMessage}, QuietPeriod: DefaultAutoAckQuietPeriod}
	var kindsNode *yaml.Node
	for _, e := range d.entries(n, path) {
		p := join(path, e.key)
		switch e.key {
		case "office_hours_template", "after_hours_template":
			dst := &a.OfficeHoursTemplate
			if e.key == "after_hours_template" {
				dst = &a.AfterHoursTemplate
			}
			if d.str(e.val, p, dst) && *dst != "" && !inbox.ValidTemplateName(*dst) {
				d.errorf(e.val, p, "%q is not a template name (a-z, 0-9, _ and -)", *dst)
			}
		case "kinds":
			kindsNode = e.val
			a.Kinds = nil
			for _, k := range d.list(e.val, p) {
				if !inbox.Kind(k.value).Valid() {
					d.errorf(k.node, p, "unknown kind %q (message, comment or mention)", k.value)
					continue
				}
				if !slices.Contains(a.Kinds, inbox.Kind(k.value)) {
					a.Kinds = append(a.Kinds, inbox.Kind(k.value))
				}
			}
			if len(a.Kinds) == 0 {
				d.errorf(e.val, p, "must list at least one kind (message, comment or mention); remove auto_ack to turn acknowledgements off")
			}
		case "quiet_period":
			d.duration(e.val, p, &a.QuietPeriod)
		case "i_understand_x_automation_rules":
			d.boolean(e.val, p, &a.IUnderstandXAutomationRules)
		default:
			d.unknown(e, path, autoAckKeys)
		}
	}
	switch {
	case a.OfficeHoursTemplate == "" && a.AfterHoursTemplate == "":
		d.errorf(n, path, "names no template: set office_hours_template and after_hours_template (e.g. diterima and diterima-luar-jam)")
	case a.OfficeHoursTemplate == "":
		a.OfficeHoursTemplate = a.AfterHoursTemplate
	case a.AfterHoursTemplate == "":
		a.AfterHoursTemplate = a.OfficeHoursTemplate
	}
	if rule := d.platform(platform).PublicAutoAck; rule != "" && !a.IUnderstandXAutomationRules {
		var public []string
		for _, k := range a.Kinds {
			if k != inbox.KindMessage {
				public = append(public, string(k))
			}
		}
		if len(public) > 0 {
			d.errorf(kindsNode, join(path, "kinds"), "%s %s; to acknowledge them anyway, set i_understand_x_automation_rules: true", strings.Join(public, ", "), rule)
		}
	}
	return a
}

// autoAckTemplates warns when an auto_ack names a template templates_file
// does not have: the store may hold it (the API made it), or the name is
// a typo and nothing is acknowledged.
func (d *decoder) autoAckTemplates(cfg *Config) {
	if cfg.TemplatesFile == "" {
		return
	}
	have := map[string]bool{}
	for _, t := range cfg.Templates {
		have[t.Name] = true
	}
	for i, a := range cfg.Accounts {
		if a.AutoAck == nil {
			continue
		}
		for j, name := range []string{a.AutoAck.OfficeHoursTemplate, a.AutoAck.AfterHoursTemplate} {
			if name != "" && !have[name] && (j == 0 || name != a.AutoAck.OfficeHoursTemplate) {
				d.warnings = append(d.warnings, fmt.Sprintf("accounts[%d].auto_ack: template %q is not in %s; unless the store has it "+
					"(POST /api/v1/templates), nothing is acknowledged", i, name, cfg.TemplatesFile))
			}
		}
	}
}

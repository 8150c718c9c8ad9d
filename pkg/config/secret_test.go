package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const secretValue = "EAAGm0PX4ZCpsBAKZCZBsuper-secret"

func TestSecretRedactedEverywhere(t *testing.T) {
	s := Secret(secretValue)
	// A platform's settings hold their credentials as Secret too.
	type settings struct {
		PageID               string
		PageToken, AppSecret Secret
	}
	fb := &settings{PageID: "1", PageToken: s, AppSecret: s}
	h := HTTP{Listen: "x", BootstrapAdminToken: s}

	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s", "%-8v"} {
		outputs = append(outputs, fmt.Sprintf(verb, s), fmt.Sprintf(verb, fb), fmt.Sprintf(verb, h))
	}
	outputs = append(outputs, fmt.Sprint(s), fmt.Sprintln(s, fb, h), s.String(), s.GoString())

	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		var handler slog.Handler = slog.NewTextHandler(&buf, nil)
		if format == "json" {
			handler = slog.NewJSONHandler(&buf, nil)
		}
		log := slog.New(handler)
		log.Info("account", "token", s, "fb", fb, "http", h, slog.Any("any", s), slog.Group("g", "t", s))
		if !strings.Contains(buf.String(), redacted) {
			t.Errorf("%s log shows no %s: %s", format, redacted, buf.String())
		}
		outputs = append(outputs, buf.String())
	}

	j, err := json.Marshal(map[string]any{"s": s, "fb": fb, "h": h})
	if err != nil {
		t.Fatal(err)
	}
	y, err := yaml.Marshal(map[string]any{"s": s, "fb": fb, "h": h})
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, string(j), string(y))
	if !strings.Contains(string(j), `"s":"[REDACTED]"`) {
		t.Errorf("json = %s", j)
	}

	hexValue := fmt.Sprintf("%x", secretValue)
	for _, out := range outputs {
		if strings.Contains(out, "super-secret") || strings.Contains(out, hexValue) {
			t.Errorf("secret leaked: %s", out)
		}
	}
	if s.Reveal() != secretValue {
		t.Errorf("Reveal() = %q", s.Reveal())
	}
}

func TestEmptySecretPrintsEmpty(t *testing.T) {
	var s Secret
	if got := fmt.Sprintf("[%v]", s); got != "[]" {
		t.Errorf("empty secret prints %q", got)
	}
	if s.IsSet() || !Secret("x").IsSet() {
		t.Error("IsSet wrong")
	}
}

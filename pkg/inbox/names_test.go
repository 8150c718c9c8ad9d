package inbox

import (
	"strings"
	"testing"
)

func TestCheckTokenName(t *testing.T) {
	for _, ok := range []string{"rina", "ops-bot_2", "a.b", strings.Repeat("x", MaxTokenNameLen)} {
		if err := CheckTokenName(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "bad name", "bootstrap", "-lead", ".hidden", "rina\n", strings.Repeat("x", MaxTokenNameLen+1), "nama/slash", "é"} {
		if err := CheckTokenName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

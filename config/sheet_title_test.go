package config_test

import (
	"strings"
	"testing"

	"github.com/zoho2sheets/zoho2sheets/config"
)

// Google refuses a tab title over 100 characters; the mapping says so at
// the sheet's line, before anything is written.
func TestSheetTitleLength(t *testing.T) {
	entry := func(title string) string {
		return "spreadsheet_id: abc\nmodules:\n  - module: Leads\n    sheet: " + title + "\n    columns: [{ header: Zoho ID, field: id }]\n"
	}
	// 100 characters (runes, not bytes) is allowed.
	max := strings.Repeat("ä", 100)
	if got := mustParse(t, entry(max), noEnv).Modules[0].Sheet; got != max {
		t.Fatalf("sheet = %q, want the 100-character title", got)
	}
	_, err := config.Parse([]byte(entry(strings.Repeat("x", 101))), "m.yaml", noEnv)
	errs := config.ErrorList(err)
	if len(errs) != 1 {
		t.Fatalf("want one error, got %v", err)
	}
	if e := errs[0]; e.Where != "m.yaml:4" || e.Key != "modules[0].sheet" || !strings.Contains(e.Msg, "101 characters (Google allows 100)") ||
		!strings.Contains(e.Hint, "shorter title") {
		t.Fatalf("got %+v", e)
	}
}

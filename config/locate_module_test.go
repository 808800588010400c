package config_test

import (
	"fmt"
	"testing"

	"github.com/zoho2sheets/zoho2sheets/config"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// A module the CRM does not have is a mistake in the file like any other:
// named at its entry's module: line, with the fix.
func TestLocateUnknownModule(t *testing.T) {
	cfg := mustParse(t, `spreadsheet_id: abc
modules:
  - module: Leads
    columns: [{ header: Zoho ID, field: id }]
  - module: Lead
    sheet: Second
    columns: [{ header: Zoho ID, field: id }]
`, noEnv)
	err := fmt.Errorf("wrapped: %w", &zsync.UnknownModuleError{Module: "Lead", Nearest: "Leads"})
	list := config.ErrorList(cfg.LocateEntry(1, err))
	if len(list) != 1 {
		t.Fatalf("LocateEntry(%v) gave %d config errors, want 1", err, len(list))
	}
	want := `m.yaml:5: modules[1].module: no module "Lead" in the CRM (did you mean Leads? ` +
		"`zoho2sheets fields` lists the modules (API names are case-sensitive))"
	if got := list[0].Error(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zoho2sheets/zoho2sheets/config"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

var noEnv = env(nil)

func mustParse(t *testing.T, src string, getenv func(string) (string, bool)) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(src), "m.yaml", getenv)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return cfg
}

func TestParseValidFixture(t *testing.T) {
	cfg, err := config.Load("testdata/valid.yaml", env(map[string]string{"HOOK": "https://hooks.slack.com/services/T/B/x"}))
	if err != nil {
		t.Fatal(err)
	}
	cols := []config.Column{
		{Header: "Zoho ID", Field: "id", Line: 14},
		{Header: "Name", Field: "Full_Name", Line: 15},
		{Header: "Email", Field: "Email", Line: 16},
		{Header: "Owner.name", Field: "Owner.name", Line: 17},
		{Header: "Tags", Field: "Tag.name", Join: " | ", Line: 18},
		{Header: "Revenue", Field: "Annual_Revenue", Type: "number", Line: 19},
	}
	want := &config.Config{
		File:          "testdata/valid.yaml",
		SpreadsheetID: "1AbC-dEf_123",
		Schedule:      "@daily",
		Timezone:      "America/New_York",
		StatusTab:     "Sync status",
		Modules: []config.Module{
			{Module: "Leads", Sheet: "Leads", OnDelete: zsync.OnDeleteMark, MarkColumn: "Deleted in Zoho",
				FullEvery: 9 * 24 * time.Hour, Columns: cols, Line: 10},
			{Module: "Contacts", Sheet: "People", OnDelete: zsync.OnDeleteRemove, Columns: cols, Line: 20},
		},
	}
	want.Zoho.DataCenter = "eu"
	want.Alerts.Webhook = "https://hooks.slack.com/services/T/B/x"
	want.Alerts.Digest = true
	if d := cmp.Diff(want, cfg); d != "" {
		t.Errorf("config (-want +got):\n%s", d)
	}
	m, ok := cfg.Module("contacts")
	if !ok || m.Sheet != "People" {
		t.Errorf("Module(contacts) = %v, %v", m, ok)
	}
	if _, ok := cfg.Module("Deals"); ok {
		t.Error("Module(Deals) found")
	}
	specs := cfg.Modules[0].Specs()
	if d := cmp.Diff(zsync.ColumnSpec{Header: "Tags", Field: "Tag.name", Join: " | "}, specs[4]); d != "" {
		t.Errorf("Specs()[4] (-want +got):\n%s", d)
	}
}

func TestParseDefaults(t *testing.T) {
	cfg := mustParse(t, `
spreadsheet_id: abc
modules:
  - module: Deals
    columns:
      - { header: Zoho ID, field: id }
`, noEnv)
	m := cfg.Modules[0]
	if m.Sheet != "Deals" || m.OnDelete != zsync.OnDeleteRemove || m.MarkColumn != "" || m.FullEvery != 0 {
		t.Errorf("module defaults = %+v", m)
	}
	if cfg.Schedule != "" || cfg.Timezone != "" || cfg.Zoho.DataCenter != "" || cfg.Alerts.Webhook != "" || cfg.Alerts.Digest {
		t.Errorf("config defaults = %+v", cfg)
	}
}

// TestParseErrors has one case per kind of error. Each asserts the exact
// file:line and key of the only error reported.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		where string
		key   string
		msg   string // substring of Msg
		hint  string // substring of Hint
	}{
		{"yaml syntax", "spreadsheet_id: abc\nmodules:\n  - module: Leads\n    sheet: a: b\n",
			"m.yaml:4", "", "YAML syntax error: mapping values are not allowed", "quote values containing ': '"},
		{"tab indentation", "spreadsheet_id: abc\nmodules:\n\t- module: Leads\n",
			"m.yaml:3", "", "YAML syntax error", "indentation"},
		{"empty file", "# nothing\n", "m.yaml", "", "empty", "mapping.yaml"},
		{"root not a mapping", "- a\n- b\n", "m.yaml:1", "", "must be a mapping", "spreadsheet_id"},
		{"unknown root key near miss", `spreadsheet_id: abc
schedul: "@daily"
modules:
  - module: Leads
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:2", "schedul", "unknown key", "did you mean schedule?"},
		{"unknown module key near miss", `spreadsheet_id: abc
modules:
  - module: Leads
    ondelete: keep
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:4", "modules[0].ondelete", "unknown key", "did you mean on_delete?"},
		{"unknown column key", `spreadsheet_id: abc
modules:
  - module: Leads
    columns:
      - { header: Zoho ID, field: id }
      - { header: Name, feild: Full_Name }
`, "m.yaml:6", "modules[0].columns[1].feild", "unknown key", "did you mean field?"},
		{"unknown nested key, nothing close", `spreadsheet_id: abc
zoho:
  region: eu
modules:
  - module: Leads
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:3", "zoho.region", "unknown key", "valid keys here: data_center"},
		{"key repeated", `spreadsheet_id: abc
spreadsheet_id: def
modules:
  - module: Leads
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:2", "spreadsheet_id", "appears twice (first at line 1)", "keep one"},
		{"missing spreadsheet_id", `modules:
  - module: Leads
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:1", "spreadsheet_id", "missing", "${SPREADSHEET_ID}"},
		{"empty spreadsheet_id", `spreadsheet_id: ""
modules:
  - module: Leads
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:1", "spreadsheet_id", "empty", "/spreadsheets/d/"},
		{"spreadsheet URL without id", `spreadsheet_id: https://docs.google.com/document/d/abc
modules:
  - module: Leads
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:1", "spreadsheet_id", "URL without", "/spreadsheets/d/"},
		{"spreadsheet id with bad characters", `spreadsheet_id: "my sheet"
modules:
  - module: Leads
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:1", "spreadsheet_id", "not a spreadsheet id", ""},
		{"unset variable", `spreadsheet_id: abc
modules:
  - module: Leads
    sheet: ${TAB_NAME}
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:4", "modules[0].sheet", "environment variable TAB_NAME is not set", "${TAB_NAME:-value}"},
		{"unset variable in a multi-line value", `spreadsheet_id: abc
modules:
  - module: Leads
    sheet: >-
      ${TAB_NAME}
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:4", "modules[0].sheet", "TAB_NAME is not set", ""},
		{"malformed variable", `spreadsheet_id: ${SHEET
modules:
  - module: Leads
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:1", "spreadsheet_id", "unterminated ${", "$$"},
		{"invalid variable name", `spreadsheet_id: ${1SHEET}
modules:
  - module: Leads
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:1", "spreadsheet_id", "not a valid variable reference", ""},
		{"invalid schedule", `spreadsheet_id: abc
schedule: "0 25 * * *"
modules:
  - module: Leads
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:2", "schedule", "invalid cron schedule", "CRON_TZ="},
		{"schedule with seconds", `spreadsheet_id: abc
schedule: "0 0 6 * * *"
modules:
  - module: Leads
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:2", "schedule", "invalid cron schedule", "five fields"},
		{"schedule zone only (cron panics on it)", `spreadsheet_id: abc
schedule: CRON_TZ=Europe/Berlin
modules:
  - module: Leads
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:2", "schedule", "a time zone but no schedule", ""},
		{"schedule bad zone", `spreadsheet_id: abc
schedule: CRON_TZ=Europe/Bxrlin 0 6 * * *
modules:
  - module: Leads
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:2", "schedule", "bad location", ""},
		{"unknown timezone", `spreadsheet_id: abc
timezone: Europe/Berln
modules:
  - module: Leads
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:2", "timezone", `unknown time zone "Europe/Berln"`, "IANA"},
		{"unknown data centre", `spreadsheet_id: abc
zoho:
  data_center: mars
modules:
  - module: Leads
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:3", "zoho.data_center", `unknown data centre "mars"`, "us, eu, in, au, jp, ca, cn, sa, uk"},
		{"zoho not a mapping", `spreadsheet_id: abc
zoho: eu
modules:
  - module: Leads
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:2", "zoho", "must be a mapping", "data_center"},
		{"webhook not a URL", `spreadsheet_id: abc
alerts:
  webhook: hooks.slack.com/services/x
modules:
  - module: Leads
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:3", "alerts.webhook", "not an http(s) URL", "https://"},
		{"digest not a bool", `spreadsheet_id: abc
alerts:
  digest: daily
modules:
  - module: Leads
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:3", "alerts.digest", "not true or false", ""},
		{"no modules key", "spreadsheet_id: abc\n", "m.yaml:1", "modules", "missing", "module: Leads"},
		{"empty modules", "spreadsheet_id: abc\nmodules: []\n", "m.yaml:2", "modules", "no modules", ""},
		{"modules not a list", "spreadsheet_id: abc\nmodules:\n  module: Leads\n", "m.yaml:3", "modules", "must be a list", ""},
		{"module missing", `spreadsheet_id: abc
modules:
  - sheet: Leads
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:3", "modules[0].module", "missing", "module: Leads"},
		{"module name invalid", `spreadsheet_id: abc
modules:
  - module: Sales Orders
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:3", "modules[0].module", "not a module API name", "Price_Books"},
		{"one module, one tab, twice", `spreadsheet_id: abc
modules:
  - module: Deals
    sheet: Pipeline
    filter: Amount > 5
    columns: [{ header: Zoho ID, field: id }]
  - module: Deals
    sheet: pipeline
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:8", "modules[1].sheet", `tab "pipeline" is used twice (first at line 4)`, "each entry writes its own tab"},
		{"filter syntax", `spreadsheet_id: abc
modules:
  - module: Deals
    filter: Stage = "Won"
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:4", "modules[0].filter", "filter column 9: \" does not quote text in COQL", "single quotes"},
		{"filter syntax in a block", `spreadsheet_id: abc
modules:
  - module: Deals
    filter: |
      Stage = 'Won'
        and Amount >= tody - 90d
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:6", "modules[0].filter", "filter line 2, column 17: tody is not a value", "did you mean today?"},
		{"filter empty", `spreadsheet_id: abc
modules:
  - module: Deals
    filter: "  "
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:4", "modules[0].filter", "empty filter", "remove filter:"},
		{"filter too many in values", `spreadsheet_id: abc
modules:
  - module: Deals
    filter: Stage in (` + strings.Repeat("'x', ", 50) + `'y')
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:4", "modules[0].filter", "lists 51 values; COQL allows 50", "split it"},
		{"filter too many conditions", `spreadsheet_id: abc
modules:
  - module: Deals
    filter: >
      ` + strings.Repeat("Amount > 1 or ", 20) + `Amount > 2
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:5", "modules[0].filter", "more than 20 conditions", "COQL allows 25"},
		{"filter is a list", `spreadsheet_id: abc
modules:
  - module: Deals
    filter: [Amount > 1]
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:4", "modules[0].filter", "must be a single value", ""},
		{"duplicate sheet", `spreadsheet_id: abc
modules:
  - module: Leads
    sheet: CRM
    columns: [{ header: Zoho ID, field: id }]
  - module: Deals
    sheet: crm
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:7", "modules[1].sheet", `tab "crm" is used twice (first at line 4)`, "ignore case"},
		{"duplicate sheet by default name", `spreadsheet_id: abc
modules:
  - module: Leads
    columns: [{ header: Zoho ID, field: id }]
  - module: Deals
    sheet: Leads
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:6", "modules[1].sheet", "used twice (first at line 3)", ""},
		{"unknown on_delete", `spreadsheet_id: abc
modules:
  - module: Leads
    on_delete: delete
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:4", "modules[0].on_delete", `unknown value "delete"`, "remove (delete the row), keep"},
		{"on_delete near miss", `spreadsheet_id: abc
modules:
  - module: Leads
    on_delete: kepp
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:4", "modules[0].on_delete", `unknown value "kepp"`, "did you mean keep?"},
		{"mark_column without mark", `spreadsheet_id: abc
modules:
  - module: Leads
    mark_column: Gone
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:4", "modules[0].mark_column", "on_delete is not mark", "on_delete: mark"},
		{"mark_column clashes with a header", `spreadsheet_id: abc
modules:
  - module: Leads
    on_delete: mark
    columns:
      - { header: Zoho ID, field: id }
      - { header: Deleted in Zoho, field: Full_Name }
`, "m.yaml:7", "modules[0].mark_column", "also a mapped column's header", ""},
		{"invalid full_every", `spreadsheet_id: abc
modules:
  - module: Leads
    full_every: 7 days
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:4", "modules[0].full_every", `unknown unit`, "7d, 1w"},
		{"zero full_every", `spreadsheet_id: abc
modules:
  - module: Leads
    full_every: 0d
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:4", "modules[0].full_every", "longer than zero", ""},
		{"full_every without unit", `spreadsheet_id: abc
modules:
  - module: Leads
    full_every: 3600
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:4", "modules[0].full_every", "no unit", ""},
		{"columns missing", `spreadsheet_id: abc
modules:
  - module: Leads
`, "m.yaml:3", "modules[0].columns", "missing", "field: id"},
		{"columns empty", `spreadsheet_id: abc
modules:
  - module: Leads
    columns:
`, "m.yaml:4", "modules[0].columns", "no columns", ""},
		{"missing id column", `spreadsheet_id: abc
modules:
  - module: Leads
    columns:
      - { header: Name, field: Full_Name }
`, "m.yaml:4", "modules[0].columns", "no column maps the record id", "field: id"},
		{"id twice", `spreadsheet_id: abc
modules:
  - module: Leads
    columns:
      - { header: Zoho ID, field: id }
      - { header: Record, field: id }
`, "m.yaml:6", "modules[0].columns[1].field", "id is mapped twice (first at line 5)", ""},
		{"id typed as number", `spreadsheet_id: abc
modules:
  - module: Leads
    columns:
      - { header: Zoho ID, field: id, type: number }
`, "m.yaml:5", "modules[0].columns[0].type", "always text", "19 digits"},
		{"id misspelt", `spreadsheet_id: abc
modules:
  - module: Leads
    columns:
      - { header: Zoho ID, field: id }
      - { header: X, field: ID }
`, "m.yaml:6", "modules[0].columns[1].field", "spelled id", "did you mean id?"},
		{"duplicate header", `spreadsheet_id: abc
modules:
  - module: Leads
    columns:
      - { header: Zoho ID, field: id }
      - { header: Name, field: Full_Name }
      - { header: " name ", field: Last_Name }
`, "m.yaml:7", "modules[0].columns[2].header", `header "name" is used twice (first at line 6)`, "ignore case"},
		{"duplicate header by shorthand", `spreadsheet_id: abc
modules:
  - module: Leads
    columns:
      - { header: Zoho ID, field: id }
      - { header: Email, field: Secondary_Email }
      - Email
`, "m.yaml:7", "modules[0].columns[2].header", "used twice", ""},
		{"unknown type", `spreadsheet_id: abc
modules:
  - module: Leads
    columns:
      - { header: Zoho ID, field: id }
      - { header: Rev, field: Annual_Revenue, type: money }
`, "m.yaml:6", "modules[0].columns[1].type", `unknown type "money"`, "text, number, bool, date, datetime"},
		{"type alias", `spreadsheet_id: abc
modules:
  - module: Leads
    columns:
      - { header: Zoho ID, field: id }
      - { header: Rev, field: Annual_Revenue, type: integer }
`, "m.yaml:6", "modules[0].columns[1].type", `unknown type "integer"`, "did you mean number?"},
		{"empty field", `spreadsheet_id: abc
modules:
  - module: Leads
    columns:
      - { header: Zoho ID, field: id }
      - { header: Name, field: "" }
`, "m.yaml:6", "modules[0].columns[1].field", "empty field path", "Full_Name"},
		{"empty path segment", `spreadsheet_id: abc
modules:
  - module: Leads
    columns:
      - { header: Zoho ID, field: id }
      - { header: Owner, field: Owner..name }
`, "m.yaml:6", "modules[0].columns[1].field", "empty segment", "Owner.name"},
		{"field missing", `spreadsheet_id: abc
modules:
  - module: Leads
    columns:
      - { header: Zoho ID, field: id }
      - { header: Name }
`, "m.yaml:6", "modules[0].columns[1].field", "missing", ""},
		{"column is a list", `spreadsheet_id: abc
modules:
  - module: Leads
    columns:
      - { header: Zoho ID, field: id }
      - [Name, Full_Name]
`, "m.yaml:6", "modules[0].columns[1]", "must be a mapping", "header, field, join, type"},
		{"value is a mapping", `spreadsheet_id: abc
modules:
  - module: Leads
    sheet: { title: Leads }
    columns: [{ header: Zoho ID, field: id }]
`, "m.yaml:4", "modules[0].sheet", "must be a single value, not a mapping", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse([]byte(tt.src), "m.yaml", noEnv)
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			errs := config.ErrorList(err)
			if len(errs) != 1 {
				t.Fatalf("want exactly one error, got %d:\n%v", len(errs), err)
			}
			e := errs[0]
			if e.Where != tt.where || e.Key != tt.key {
				t.Errorf("Where, Key = %q, %q; want %q, %q (%v)", e.Where, e.Key, tt.where, tt.key, e)
			}
			if !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("Msg = %q, want it to contain %q", e.Msg, tt.msg)
			}
			if !strings.Contains(e.Hint, tt.hint) {
				t.Errorf("Hint = %q, want it to contain %q", e.Hint, tt.hint)
			}
			if !strings.HasPrefix(err.Error(), tt.where) {
				t.Errorf("Error() = %q, want it to start with %q", err, tt.where)
			}
		})
	}
}

func TestParseReportsEveryErrorInLineOrder(t *testing.T) {
	_, err := config.Load("testdata/many-errors.yaml", noEnv)
	if err == nil {
		t.Fatal("Load succeeded")
	}
	var got []string
	for _, e := range config.ErrorList(err) {
		got = append(got, e.Where+" "+e.Key)
	}
	want := []string{
		"testdata/many-errors.yaml:1 spreadsheet_id",
		"testdata/many-errors.yaml:2 schedul",
		"testdata/many-errors.yaml:4 zoho.data_center",
		"testdata/many-errors.yaml:7 modules[0].ondelete",
		"testdata/many-errors.yaml:8 modules[0].columns",
		"testdata/many-errors.yaml:10 modules[0].columns[1].type",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("errors (-want +got):\n%s\nfull error:\n%v", d, err)
	}
	// Every line of the joined message starts with file:line.
	for _, line := range strings.Split(err.Error(), "\n") {
		if !strings.HasPrefix(line, "testdata/many-errors.yaml:") {
			t.Errorf("line %q does not start with file:line", line)
		}
	}
	var ce *zsync.ConfigError
	if !errors.As(err, &ce) {
		t.Error("errors.As(*zsync.ConfigError) failed")
	}
}

func TestEnvExpansion(t *testing.T) {
	e := env(map[string]string{"SHEET": "s1", "EMPTY": "", "TAB": "Leads"})
	tests := []struct {
		name, value, want string
	}{
		{"plain", "${SHEET}", "s1"},
		{"embedded", "x-${SHEET}-y", "x-s1-y"},
		{"default unset", "${NOPE:-dflt}", "dflt"},
		{"default empty", "${EMPTY:-dflt}", "dflt"},
		{"default not used", "${SHEET:-dflt}", "s1"},
		{"empty default", "a${NOPE:-}b", "ab"},
		{"set but empty", "a${EMPTY}b", "ab"},
		{"dollar escape", "$${SHEET}", "${SHEET}"},
		{"lone dollar kept", "pa$s", "pa$s"},
		{"trailing dollar", "cost$", "cost$"},
		{"two", "${SHEET}${TAB}", "s1Leads"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "spreadsheet_id: abc\nmodules:\n  - module: Leads\n    sheet: \"" + tt.value + "\"\n    columns: [{ header: Zoho ID, field: id }]\n"
			cfg := mustParse(t, src, e)
			if got := cfg.Modules[0].Sheet; got != tt.want {
				t.Errorf("sheet = %q, want %q", got, tt.want)
			}
		})
	}
	// Keys are never expanded, and values only where they are.
	_, err := config.Parse([]byte("${KEY}: x\n"), "m.yaml", env(map[string]string{"KEY": "spreadsheet_id"}))
	if err == nil || !strings.Contains(err.Error(), "m.yaml:1: ${KEY}: unknown key") {
		t.Errorf("expanded a key? err = %v", err)
	}
}

func TestUnsetVariablesAllReported(t *testing.T) {
	_, err := config.Parse([]byte(`spreadsheet_id: ${A}${B}${A}
modules:
  - module: Leads
    columns: [{ header: "${C}", field: id }]
`), "m.yaml", noEnv)
	var got []string
	for _, e := range config.ErrorList(err) {
		got = append(got, e.Where+" "+e.Msg)
	}
	want := []string{
		"m.yaml:1 environment variable A is not set",
		"m.yaml:1 environment variable B is not set",
		"m.yaml:4 environment variable C is not set",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("errors (-want +got):\n%s", d)
	}
}

// TestSecretsNotInErrors: values that come from the environment may be
// secrets (the webhook URL); errors name the key and variable, never the value.
func TestSecretsNotInErrors(t *testing.T) {
	const secret = "xoxb-SECRET-TOKEN-123"
	e := env(map[string]string{"SLACK_WEBHOOK_URL": "hooks.slack.com/services/" + secret})
	_, err := config.Parse([]byte(`spreadsheet_id: abc
alerts:
  webhook: ${SLACK_WEBHOOK_URL}
modules:
  - module: Leads
    columns: [{ header: Zoho ID, field: id }]
`), "m.yaml", e)
	if err == nil {
		t.Fatal("want an error for a webhook without scheme")
	}
	if strings.Contains(err.Error(), secret) || strings.Contains(zsync.Hint(err), secret) {
		t.Fatalf("error leaks the webhook: %v", err)
	}
	if !strings.Contains(err.Error(), "m.yaml:3: alerts.webhook") {
		t.Fatalf("error = %v", err)
	}
}

func TestSpreadsheetIDForms(t *testing.T) {
	for in, want := range map[string]string{
		"1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms":                         "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms",
		"https://docs.google.com/spreadsheets/d/1BxiMVs0XRA5nFMd-_/edit#gid=0": "1BxiMVs0XRA5nFMd-_",
		"https://docs.google.com/spreadsheets/u/1/d/abc/edit?usp=sharing":      "abc", // signed in to several accounts
		"https://docs.google.com/document/d/abc/edit":                          "",
		"docs.google.com/spreadsheets/d/abc":                                   "abc",
		" https://docs.google.com/spreadsheets/d/abc ":                         "abc",
	} {
		cfg, err := config.Parse([]byte("spreadsheet_id: \""+in+"\"\nmodules:\n  - module: Leads\n    columns: [{ header: Zoho ID, field: id }]\n"), "m.yaml", noEnv)
		switch {
		case want == "" && err == nil:
			t.Errorf("%q: want an error, got %q", in, cfg.SpreadsheetID)
		case want != "" && err != nil:
			t.Errorf("%q: %v", in, err)
		case want != "" && cfg.SpreadsheetID != want:
			t.Errorf("%q: id = %q, want %q", in, cfg.SpreadsheetID, want)
		}
	}
}

func TestFullEvery(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"7d": 7 * 24 * time.Hour, "1w": 7 * 24 * time.Hour, "1w2d": 9 * 24 * time.Hour,
		"36h": 36 * time.Hour, "1d12h": 36 * time.Hour, "90m": 90 * time.Minute, "1.5d": 36 * time.Hour,
	} {
		cfg := mustParse(t, "spreadsheet_id: abc\nmodules:\n  - module: Leads\n    full_every: "+in+"\n    columns: [{ header: Zoho ID, field: id }]\n", noEnv)
		if got := cfg.Modules[0].FullEvery; got != want {
			t.Errorf("full_every %s = %v, want %v", in, got, want)
		}
	}
}

func TestSchedules(t *testing.T) {
	for _, s := range []string{"0 6 * * *", "CRON_TZ=Europe/Berlin 0 6 * * 1-5", "TZ=UTC */15 * * * *", "@daily", "@every 6h", "@hourly"} {
		cfg := mustParse(t, "spreadsheet_id: abc\nschedule: \""+s+"\"\nmodules:\n  - module: Leads\n    columns: [{ header: Zoho ID, field: id }]\n", noEnv)
		if cfg.Schedule != s {
			t.Errorf("schedule = %q, want %q", cfg.Schedule, s)
		}
	}
}

func TestMergeKeysAndAliases(t *testing.T) {
	cfg := mustParse(t, `spreadsheet_id: abc
x-defaults: &d
  on_delete: keep
  full_every: 1d
modules:
  - module: Leads
    <<: *d
    full_every: 2d
    columns: [{ header: Zoho ID, field: id }]
`, noEnv)
	m := cfg.Modules[0]
	if m.OnDelete != zsync.OnDeleteKeep || m.FullEvery != 48*time.Hour {
		t.Errorf("merged module = %+v, want on_delete keep (merged) and full_every 2d (written out)", m)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := config.Load(filepath.Join(t.TempDir(), "nope.yaml"), noEnv)
	var ce *zsync.ConfigError
	if !errors.As(err, &ce) || !strings.HasSuffix(ce.Where, "nope.yaml") || !strings.Contains(ce.Hint, "--config") {
		t.Fatalf("err = %v", err)
	}
}

func TestLoadUsesProcessEnvByDefault(t *testing.T) {
	t.Setenv("Z2S_TEST_SHEET", "from-env")
	p := filepath.Join(t.TempDir(), "m.yaml")
	if err := os.WriteFile(p, []byte("spreadsheet_id: ${Z2S_TEST_SHEET}\nmodules:\n  - module: Leads\n    columns: [{ header: Zoho ID, field: id }]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SpreadsheetID != "from-env" || cfg.File != p {
		t.Fatalf("cfg = %+v", cfg)
	}
}

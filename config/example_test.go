package config_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zoho2sheets/zoho2sheets/config"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// crmFields is field metadata of a typical Zoho CRM, enough for the shipped
// mapping.
var crmFields = map[string][]zsync.Field{
	"Leads": {
		{APIName: "id", DataType: "bigint", JSONType: "string"},
		{APIName: "Full_Name", DataType: "text", JSONType: "string"},
		{APIName: "Company", DataType: "text", JSONType: "string"},
		{APIName: "Email", DataType: "email", JSONType: "string"},
		{APIName: "Phone", DataType: "phone", JSONType: "string"},
		{APIName: "Lead_Status", DataType: "picklist", JSONType: "string"},
		{APIName: "Lead_Source", DataType: "picklist", JSONType: "string"},
		{APIName: "Owner", DataType: "ownerlookup", JSONType: "jsonobject"},
		{APIName: "Annual_Revenue", DataType: "currency", JSONType: "double"},
		{APIName: "Created_Time", DataType: "datetime", JSONType: "string"},
		{APIName: "Modified_Time", DataType: "datetime", JSONType: "string"},
		{APIName: "Tag", DataType: "text", JSONType: "jsonarray"},
		{APIName: "Converted__s", DataType: "boolean", JSONType: "boolean"},
	},
	"Contacts": {
		{APIName: "id", DataType: "bigint", JSONType: "string"},
		{APIName: "Full_Name", DataType: "text", JSONType: "string"},
		{APIName: "Email", DataType: "email", JSONType: "string"},
		{APIName: "Account_Name", DataType: "lookup", JSONType: "jsonobject"},
		{APIName: "Owner", DataType: "ownerlookup", JSONType: "jsonobject"},
		{APIName: "Mailing_City", DataType: "text", JSONType: "string"},
		{APIName: "Modified_Time", DataType: "datetime", JSONType: "string"},
	},
	"Deals": {
		{APIName: "id", DataType: "bigint", JSONType: "string"},
		{APIName: "Deal_Name", DataType: "text", JSONType: "string"},
		{APIName: "Stage", DataType: "picklist", JSONType: "string"},
		{APIName: "Amount", DataType: "currency", JSONType: "double"},
		{APIName: "Probability", DataType: "percent", JSONType: "double"},
		{APIName: "Closing_Date", DataType: "date", JSONType: "string"},
		{APIName: "Account_Name", DataType: "lookup", JSONType: "jsonobject"},
		{APIName: "Owner", DataType: "ownerlookup", JSONType: "jsonobject"},
		{APIName: "Modified_Time", DataType: "datetime", JSONType: "string"},
	},
}

// TestShippedMapping loads the repository's example mapping.yaml as a user
// would and maps it against typical field metadata.
func TestShippedMapping(t *testing.T) {
	cfg, err := config.Load("../mapping.yaml", env(map[string]string{"SPREADSHEET_ID": "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms"}))
	if err != nil {
		t.Fatalf("the shipped mapping.yaml does not load:\n%v", err)
	}
	if cfg.SpreadsheetID != "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms" || cfg.Schedule == "" || cfg.Alerts.Webhook != "" {
		t.Errorf("config = %+v", cfg)
	}
	var got []string
	for _, m := range cfg.Modules {
		got = append(got, fmt.Sprintf("%s->%s %s %v", m.Module, m.Sheet, m.OnDelete, m.FullEvery))
	}
	want := []string{"Leads->Leads mark 168h0m0s", "Contacts->Contacts remove 0s", "Deals->Pipeline keep 24h0m0s", "Deals->Pipeline history keep 0s"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("modules (-want +got):\n%s", d)
	}
	wantKinds := map[string]map[string]zsync.Kind{
		"Leads":    {"Annual Revenue": zsync.KindNumber, "Created": zsync.KindDateTime, "Converted": zsync.KindBool, "Owner": zsync.KindText},
		"Contacts": {"Account": zsync.KindText, "Modified": zsync.KindDateTime},
		"Deals":    {"Amount": zsync.KindNumber, "Closing Date": zsync.KindDate},
	}
	for _, m := range cfg.Modules {
		mp, err := zsync.NewSchemaMapper(m.Specs(), zsync.Schema{Fields: crmFields[m.Module]})
		if err != nil {
			t.Errorf("%s: %v", m.Module, err)
			continue
		}
		if mp.Columns()[mp.Key()].Header != "Zoho ID" {
			t.Errorf("%s: key column = %v", m.Module, mp.Columns()[mp.Key()])
		}
		for _, c := range mp.Columns() {
			if k, ok := wantKinds[m.Module][c.Header]; ok && k != c.Kind {
				t.Errorf("%s %q: kind %v, want %v", m.Module, c.Header, c.Kind, k)
			}
		}
	}
	leads, _ := cfg.Module("Leads")
	mp, _ := zsync.NewSchemaMapper(leads.Specs(), zsync.Schema{Fields: crmFields["Leads"]})
	row := mp.Row(zsync.Record{ID: "554023000003701012", Fields: map[string]zsync.Value{
		"Full_Name":    "Ada Lovelace",
		"Owner":        zsync.Lookup{ID: "1", Name: "Patricia Boyle"},
		"Tag":          []zsync.Value{zsync.Lookup{Name: "vip"}, zsync.Lookup{Name: "hot"}},
		"Created_Time": time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		"Converted__s": true,
	}})
	if row.Key != "554023000003701012" || row.Cells[7] != zsync.Text("Patricia Boyle") || row.Cells[11] != zsync.Text("vip, hot") || row.Cells[12] != zsync.Bool(true) {
		t.Errorf("row = %+v", row)
	}
}

func ExampleParse() {
	src := `
spreadsheet_id: https://docs.google.com/spreadsheets/d/1AbC/edit
modules:
  - module: Leads
    on_delet: keep
    columns:
      - { header: Zoho ID, field: id }
      - { header: Revenue, field: Annual_Revenue, type: money }
`
	_, err := config.Parse([]byte(src), "mapping.yaml", func(string) (string, bool) { return "", false })
	fmt.Println(err)
	// Output:
	// mapping.yaml:5: modules[0].on_delet: unknown key (did you mean on_delete? valid keys here: module, sheet, on_delete, mark_column, full_every, columns, filter, mode, every, keep)
	// mapping.yaml:8: modules[0].columns[1].type: unknown type "money" (use one of text, number, bool, date, datetime, or leave type out to infer it from Zoho)
}

func TestLocateMappingErrors(t *testing.T) {
	cfg := mustParse(t, `spreadsheet_id: abc
modules:
  - module: Leads
    columns:
      - { header: Zoho ID, field: id }
      - { header: Name, field: Full_Nme }
      - { header: Owner, field: Owner.nmae }
`, noEnv)
	m, _ := cfg.Module("Leads")
	_, err := zsync.NewSchemaMapper(m.Specs(), zsync.Schema{Fields: crmFields["Leads"]})
	err = cfg.LocateEntry(0, err)
	var got []string
	for _, e := range config.ErrorList(err) {
		got = append(got, e.Error())
	}
	want := []string{
		`m.yaml:6: modules[0].columns[1].field: "Full_Nme": no such field in this module (module Leads) (did you mean Full_Name?)`,
		`m.yaml:7: modules[0].columns[2].field: "Owner.nmae": Owner is a lookup: it has only id, name and email (module Leads) (use Owner.name, Owner.id or Owner.email)`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("located errors (-want +got):\n%s", d)
	}
	if cfg.LocateEntry(0, nil) != nil {
		t.Error("LocateEntry(nil) != nil")
	}
	other := errors.New("boom")
	if cfg.LocateEntry(0, other) != other || cfg.LocateEntry(-1, err) != err || cfg.LocateEntry(1, err) != err {
		t.Error("LocateEntry changed an unrelated error, or one for an entry the file does not have")
	}
}

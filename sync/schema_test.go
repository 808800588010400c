package sync_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// dealsSource is a CRM whose deals point at contacts and accounts.
func dealsSource() *fakeSource {
	return &fakeSource{fields: map[string][]zsync.Field{
		"Deals": {
			{APIName: "Deal_Name", DataType: "text"},
			{APIName: "Owner", DataType: "ownerlookup", LookupModule: "users"},
			{APIName: "Account_Name", DataType: "lookup", LookupModule: "Accounts"},
			{APIName: "Contact_Name", DataType: "lookup", LookupModule: "Contacts"},
		},
		"Accounts": {
			{APIName: "Account_Name", DataType: "text"},
			{APIName: "Industry", DataType: "picklist"},
			{APIName: "Employees", DataType: "integer"},
			{APIName: "Founded", DataType: "date"},
			{APIName: "Parent_Account", DataType: "lookup", LookupModule: "Accounts"},
		},
		"Contacts": {
			{APIName: "Last_Name", DataType: "text"},
			{APIName: "Account_Name", DataType: "lookup", LookupModule: "Accounts"},
		},
	}}
}

func TestMapperRelatedPaths(t *testing.T) {
	src := dealsSource()
	specs := []zsync.ColumnSpec{
		{Header: "ID", Field: "id"},
		{Header: "Deal", Field: "Deal_Name"},
		{Header: "Account", Field: "Account_Name.name"},
		{Header: "Industry", Field: "Account_Name.Industry"},
		{Header: "Employees", Field: "Account_Name.Employees"},
		{Header: "Founded", Field: "Account_Name.Founded"},
		{Header: "Contact's account", Field: "Contact_Name.Account_Name.Account_Name"},
		{Header: "Parent", Field: "Account_Name.Parent_Account"},
	}
	var paths []string
	for _, s := range specs {
		paths = append(paths, s.Field)
	}
	schema, err := zsync.LoadSchema(context.Background(), src, "Deals", paths)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := schema.Related["Contacts"]; !ok {
		t.Fatal("the Contacts metadata was not loaded")
	}
	m, err := zsync.NewSchemaMapper(specs, schema)
	if err != nil {
		t.Fatal(err)
	}
	wantFields := []string{"Deal_Name", "Account_Name", "Account_Name.Industry", "Account_Name.Employees",
		"Account_Name.Founded", "Contact_Name.Account_Name.Account_Name", "Account_Name.Parent_Account"}
	if d := cmp.Diff(wantFields, m.Fields()); d != "" {
		t.Errorf("Fields (-want +got):\n%s", d)
	}
	// The Parent column shows the parent account's name: its renaming
	// changes the cell, so that lookup is watched too.
	if d := cmp.Diff([]string{"Account_Name", "Contact_Name", "Contact_Name.Account_Name", "Account_Name.Parent_Account"}, m.Relations()); d != "" {
		t.Errorf("Relations (-want +got):\n%s", d)
	}
	var kinds []zsync.Kind
	for _, c := range m.Columns() {
		kinds = append(kinds, c.Kind)
	}
	wantKinds := []zsync.Kind{zsync.KindText, zsync.KindText, zsync.KindText, zsync.KindText, zsync.KindNumber,
		zsync.KindDate, zsync.KindText, zsync.KindText}
	if d := cmp.Diff(wantKinds, kinds); d != "" {
		t.Errorf("kinds, typed from the related module (-want +got):\n%s", d)
	}
	row := m.Row(zsync.Record{ID: "1", Fields: map[string]zsync.Value{
		"Deal_Name":                              "Big",
		"Account_Name":                           zsync.Lookup{ID: "9", Name: "Zylker"},
		"Account_Name.Industry":                  "Retail",
		"Account_Name.Employees":                 int64(250),
		"Account_Name.Founded":                   zsync.Date{Year: 1999, Month: 3, Day: 4},
		"Contact_Name.Account_Name.Account_Name": "Zylker GmbH",
		"Account_Name.Parent_Account":            zsync.Lookup{ID: "7", Name: "Zylker Holding"},
	}})
	want := []zsync.Cell{zsync.Text("1"), zsync.Text("Big"), zsync.Text("Zylker"), zsync.Text("Retail"),
		zsync.Number(250), zsync.DateCell(zsync.Date{Year: 1999, Month: 3, Day: 4}), zsync.Text("Zylker GmbH"),
		zsync.Text("Zylker Holding")}
	if d := cmp.Diff(want, row.Cells); d != "" {
		t.Errorf("row (-want +got):\n%s", d)
	}
}

func TestMapperRelatedPathErrors(t *testing.T) {
	src := dealsSource()
	tests := []struct{ field, msg, hint string }{
		{"Account_Name.Industy", "no such field in module Accounts (the lookup Account_Name points there)", "did you mean Industry?"},
		{"Contact_Name.Account_Name.Parent_Account.Account_Name", "more than 2 lookups", "at most two"},
		{"Owner.Industry", "Owner is a lookup: it has only id, name and email", "Owner.name"},
		{"Deal_Name.x", "", ""}, // walks into a value: no error (an empty cell)
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			schema, err := zsync.LoadSchema(context.Background(), src, "Deals", []string{tt.field})
			if err != nil {
				t.Fatal(err)
			}
			_, err = zsync.NewSchemaMapper([]zsync.ColumnSpec{{Header: "ID", Field: "id"}, {Header: "X", Field: tt.field}}, schema)
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.msg) || !strings.Contains(zsync.Hint(err), tt.hint) {
				t.Fatalf("error %v (hint %q), want %q with hint %q", err, zsync.Hint(err), tt.msg, tt.hint)
			}
		})
	}
	// Without the related metadata (NewMapper) a related path is refused
	// with a hint, never read as an empty column.
	_, err := zsync.NewMapper([]zsync.ColumnSpec{{Header: "ID", Field: "id"}, {Header: "I", Field: "Account_Name.Industry"}},
		src.fields["Deals"])
	if err == nil || !strings.Contains(err.Error(), "whose fields were not loaded") {
		t.Fatalf("NewMapper without related metadata: %v", err)
	}
}

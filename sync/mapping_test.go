package sync_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// leadFields is field metadata as Zoho returns it for a typical Leads module.
var leadFields = []zsync.Field{
	{APIName: "id", DataType: "bigint", JSONType: "string"},
	{APIName: "Full_Name", Label: "Full Name", DataType: "text", JSONType: "string"},
	{APIName: "Last_Name", Label: "Last Name", DataType: "text", JSONType: "string"},
	{APIName: "Email", DataType: "email", JSONType: "string"},
	{APIName: "Owner", Label: "Lead Owner", DataType: "ownerlookup", JSONType: "jsonobject"},
	{APIName: "Account_Name", Label: "Account Name", DataType: "lookup", JSONType: "jsonobject"},
	{APIName: "Annual_Revenue", Label: "Annual Revenue", DataType: "currency", JSONType: "double"},
	{APIName: "No_of_Employees", DataType: "integer", JSONType: "integer"},
	{APIName: "Score", DataType: "double", JSONType: "double"},
	{APIName: "Probability", DataType: "percent", JSONType: "double"},
	{APIName: "Long_Ref", DataType: "bigint", JSONType: "string"},
	{APIName: "Email_Opt_Out", DataType: "boolean", JSONType: "boolean"},
	{APIName: "Birthday", DataType: "date", JSONType: "string"},
	{APIName: "Created_Time", DataType: "datetime", JSONType: "string"},
	{APIName: "Modified_Time", DataType: "datetime", JSONType: "string"},
	{APIName: "Tag", DataType: "text", JSONType: "jsonarray"},
	{APIName: "Languages", DataType: "multiselectpicklist", JSONType: "jsonarray"},
	{APIName: "Days_Open", DataType: "formula", JSONType: "double"},
	{APIName: "Is_Hot", DataType: "formula", JSONType: "boolean"},
	{APIName: "Lead_No", DataType: "autonumber", JSONType: "string"},
	{APIName: "Products", DataType: "subform", JSONType: "jsonarray"},
	{APIName: "Extra", DataType: "jsonobject", JSONType: "jsonobject"},
	{APIName: "Layout", DataType: "layout", JSONType: "jsonobject"},
}

func mustMapper(t testing.TB, specs ...zsync.ColumnSpec) *zsync.Mapper {
	t.Helper()
	all := append([]zsync.ColumnSpec{{Header: "Zoho ID", Field: "id"}}, specs...)
	m, err := zsync.NewMapper(all, leadFields)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestNewMapperInfersKinds(t *testing.T) {
	m := mustMapper(t,
		zsync.ColumnSpec{Header: "Name", Field: "Full_Name"},
		zsync.ColumnSpec{Header: "Owner", Field: "Owner"},
		zsync.ColumnSpec{Header: "Owner email", Field: "Owner.email"},
		zsync.ColumnSpec{Header: "Revenue", Field: "Annual_Revenue"},
		zsync.ColumnSpec{Header: "Employees", Field: "No_of_Employees"},
		zsync.ColumnSpec{Header: "Score", Field: "Score"},
		zsync.ColumnSpec{Header: "Probability", Field: "Probability"},
		zsync.ColumnSpec{Header: "Ref", Field: "Long_Ref"},
		zsync.ColumnSpec{Header: "Opt out", Field: "Email_Opt_Out"},
		zsync.ColumnSpec{Header: "Birthday", Field: "Birthday"},
		zsync.ColumnSpec{Header: "Created", Field: "Created_Time"},
		zsync.ColumnSpec{Header: "Tags", Field: "Tag.name"},
		zsync.ColumnSpec{Header: "Languages", Field: "Languages"},
		zsync.ColumnSpec{Header: "Days open", Field: "Days_Open"},
		zsync.ColumnSpec{Header: "Hot", Field: "Is_Hot"},
		zsync.ColumnSpec{Header: "Lead no", Field: "Lead_No"},
		zsync.ColumnSpec{Header: "Forced", Field: "Long_Ref", Type: "number"},
		zsync.ColumnSpec{Header: "  Padded  ", Field: "Email"},
	)
	want := []zsync.Column{
		{Header: "Zoho ID", Kind: zsync.KindText},
		{Header: "Name", Kind: zsync.KindText},
		{Header: "Owner", Kind: zsync.KindText},
		{Header: "Owner email", Kind: zsync.KindText},
		{Header: "Revenue", Kind: zsync.KindNumber},
		{Header: "Employees", Kind: zsync.KindNumber},
		{Header: "Score", Kind: zsync.KindNumber},
		{Header: "Probability", Kind: zsync.KindNumber},
		{Header: "Ref", Kind: zsync.KindText},
		{Header: "Opt out", Kind: zsync.KindBool},
		{Header: "Birthday", Kind: zsync.KindDate},
		{Header: "Created", Kind: zsync.KindDateTime},
		{Header: "Tags", Kind: zsync.KindText},
		{Header: "Languages", Kind: zsync.KindText},
		{Header: "Days open", Kind: zsync.KindNumber},
		{Header: "Hot", Kind: zsync.KindBool},
		{Header: "Lead no", Kind: zsync.KindText},
		{Header: "Forced", Kind: zsync.KindNumber},
		{Header: "Padded", Kind: zsync.KindText},
	}
	if d := cmp.Diff(want, m.Columns()); d != "" {
		t.Errorf("Columns (-want +got):\n%s", d)
	}
	if m.Key() != 0 {
		t.Errorf("Key = %d, want 0", m.Key())
	}
	wantFields := []string{"Full_Name", "Owner", "Annual_Revenue", "No_of_Employees", "Score", "Probability",
		"Long_Ref", "Email_Opt_Out", "Birthday", "Created_Time", "Tag", "Languages", "Days_Open", "Is_Hot", "Lead_No", "Email"}
	if d := cmp.Diff(wantFields, m.Fields()); d != "" {
		t.Errorf("Fields (-want +got):\n%s", d)
	}
}

func TestNewMapperKeyNotFirst(t *testing.T) {
	m, err := zsync.NewMapper([]zsync.ColumnSpec{{Header: "Name", Field: "Full_Name"}, {Header: "ID", Field: "id"}}, leadFields)
	if err != nil {
		t.Fatal(err)
	}
	if m.Key() != 1 {
		t.Fatalf("Key = %d, want 1", m.Key())
	}
	row := m.Row(zsync.Record{ID: "42", Fields: map[string]zsync.Value{"Full_Name": "Ada"}})
	if row.Key != "42" || row.Cells[1] != zsync.Text("42") {
		t.Fatalf("row = %+v", row)
	}
	// A record without ID falls back to its id field.
	row = m.Row(zsync.Record{Fields: map[string]zsync.Value{"id": "43"}})
	if row.Key != "43" || row.Cells[1] != zsync.Text("43") {
		t.Fatalf("row = %+v", row)
	}
}

func TestNewMapperErrors(t *testing.T) {
	id := zsync.ColumnSpec{Header: "Zoho ID", Field: "id"}
	tests := []struct {
		name  string
		specs []zsync.ColumnSpec
		want  []string // substrings of the error, in order
		hint  string   // substring of zsync.Hint(err)
	}{
		{"unknown field, near miss", []zsync.ColumnSpec{id, {Header: "Name", Field: "Full_Nme"}},
			[]string{`column "Name" (field "Full_Nme")`, "no such field"}, "did you mean Full_Name?"},
		{"unknown field, wrong case", []zsync.ColumnSpec{id, {Header: "Mail", Field: "email"}},
			[]string{`column "Mail" (field "email")`}, "did you mean Email?"},
		{"unknown field, label typed", []zsync.ColumnSpec{id, {Header: "Owner", Field: "Lead Owner"}},
			[]string{`field "Lead Owner"`}, "did you mean Owner?"},
		{"unknown field, transposition", []zsync.ColumnSpec{id, {Header: "Mail", Field: "Emial"}},
			[]string{`field "Emial"`}, "did you mean Email?"},
		{"unknown field, nothing close", []zsync.ColumnSpec{id, {Header: "X", Field: "Zzzzzzzz"}},
			[]string{`field "Zzzzzzzz"`, "no such field"}, "zoho2sheets fields"},
		{"unknown path root", []zsync.ColumnSpec{id, {Header: "Own", Field: "Ownr.name"}},
			[]string{`field "Ownr.name"`}, "did you mean Owner?"},
		{"bad lookup sub-field", []zsync.ColumnSpec{id, {Header: "Own", Field: "Owner.nmae"}},
			[]string{"Owner is a lookup: it has only id, name and email"}, "Owner.name"},
		{"bad layout sub-field", []zsync.ColumnSpec{id, {Header: "L", Field: "Layout.title"}},
			[]string{"Layout is a lookup"}, "Layout.name"},
		{"lookup path too deep", []zsync.ColumnSpec{id, {Header: "Acct", Field: "Account_Name.name.x"}},
			[]string{"Account_Name is a lookup"}, "Account_Name.name"},
		{"empty path segment", []zsync.ColumnSpec{id, {Header: "Own", Field: "Owner..name"}},
			[]string{"empty field path"}, "API name"},
		{"empty field", []zsync.ColumnSpec{id, {Header: "Own", Field: ""}},
			[]string{"empty field path"}, ""},
		{"unknown type", []zsync.ColumnSpec{id, {Header: "Rev", Field: "Annual_Revenue", Type: "money"}},
			[]string{`unknown type "money"`}, "text, number, bool, date, datetime"},
		{"missing id", []zsync.ColumnSpec{{Header: "Name", Field: "Full_Name"}},
			[]string{"no column maps the record id"}, "field: id"},
		{"id twice", []zsync.ColumnSpec{id, {Header: "Id again", Field: "id"}},
			[]string{`column "Id again"`, "mapped twice"}, ""},
		{"id typed", []zsync.ColumnSpec{{Header: "ID", Field: "id", Type: "number"}},
			[]string{"always text"}, ""},
		{"duplicate header", []zsync.ColumnSpec{id, {Header: "Name", Field: "Full_Name"}, {Header: " name ", Field: "Last_Name"}},
			[]string{`column " name "`, "header used twice"}, ""},
		{"empty header", []zsync.ColumnSpec{id, {Header: " ", Field: "Full_Name"}},
			[]string{"empty header"}, ""},
		{"all errors at once", []zsync.ColumnSpec{id, {Header: "A", Field: "Full_Nme"}, {Header: "B", Field: "Emial"}},
			[]string{`column "A"`, "Full_Name", `column "B"`, "Email"}, "did you mean Full_Name?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := zsync.NewMapper(tt.specs, leadFields)
			if err == nil {
				t.Fatalf("NewMapper = %v, want an error", m.Columns())
			}
			msg := err.Error()
			rest := msg
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("error %q: want %q (in order)", msg, w)
				}
				rest = rest[i+len(w):]
			}
			var me *zsync.MappingError
			if !errors.As(err, &me) {
				t.Fatalf("error %T is not a *MappingError", err)
			}
			if !strings.Contains(zsync.Hint(err), tt.hint) {
				t.Fatalf("hint %q: want %q", zsync.Hint(err), tt.hint)
			}
		})
	}
}

var (
	berlin = time.FixedZone("CET", 3600)
	ts     = time.Date(2024, 3, 31, 23, 30, 0, 0, berlin) // already April 1st nowhere but here
	day    = zsync.Date{Year: 2024, Month: time.February, Day: 29}
)

// TestRowValueKinds runs every Value type through a column of every Kind,
// inferred (from field metadata) and forced (type:).
func TestRowValueKinds(t *testing.T) {
	// field per inferred kind
	inferred := map[zsync.Kind]string{
		zsync.KindText:     "Full_Name",
		zsync.KindNumber:   "Score",
		zsync.KindBool:     "Email_Opt_Out",
		zsync.KindDate:     "Birthday",
		zsync.KindDateTime: "Created_Time",
	}
	date := zsync.DateCell(day)
	tsDate := zsync.DateCell(zsync.Date{Year: 2024, Month: time.March, Day: 31})
	tests := []struct {
		name   string
		v      zsync.Value
		forced bool
		want   map[zsync.Kind]zsync.Cell
	}{
		{"nil", nil, false, map[zsync.Kind]zsync.Cell{
			zsync.KindText: {}, zsync.KindNumber: {}, zsync.KindBool: {}, zsync.KindDate: {}, zsync.KindDateTime: {}}},
		{"string", "007", false, map[zsync.Kind]zsync.Cell{
			zsync.KindText: zsync.Text("007"), zsync.KindNumber: zsync.Text("007"), zsync.KindBool: zsync.Text("007"),
			zsync.KindDate: zsync.Text("007"), zsync.KindDateTime: zsync.Text("007")}},
		{"string forced", "007", true, map[zsync.Kind]zsync.Cell{
			zsync.KindText: zsync.Text("007"), zsync.KindNumber: zsync.Number(7), zsync.KindBool: zsync.Text("007"),
			zsync.KindDate: zsync.Text("007"), zsync.KindDateTime: zsync.Text("007")}},
		{"formula-looking string", "=IMPORTDATA(1)", true, map[zsync.Kind]zsync.Cell{
			zsync.KindText: zsync.Text("=IMPORTDATA(1)"), zsync.KindNumber: zsync.Text("=IMPORTDATA(1)"),
			zsync.KindBool: zsync.Text("=IMPORTDATA(1)"), zsync.KindDate: zsync.Text("=IMPORTDATA(1)"),
			zsync.KindDateTime: zsync.Text("=IMPORTDATA(1)")}},
		{"empty string", "", true, map[zsync.Kind]zsync.Cell{
			zsync.KindText: {}, zsync.KindNumber: {}, zsync.KindBool: {}, zsync.KindDate: {}, zsync.KindDateTime: {}}},
		{"bool string forced", " TRUE ", true, map[zsync.Kind]zsync.Cell{
			zsync.KindText: zsync.Text(" TRUE "), zsync.KindNumber: zsync.Text(" TRUE "), zsync.KindBool: zsync.Bool(true),
			zsync.KindDate: zsync.Text(" TRUE "), zsync.KindDateTime: zsync.Text(" TRUE ")}},
		{"false string forced", "false", true, map[zsync.Kind]zsync.Cell{
			zsync.KindText: zsync.Text("false"), zsync.KindBool: zsync.Bool(false)}},
		{"NaN string forced", "NaN", true, map[zsync.Kind]zsync.Cell{zsync.KindNumber: zsync.Text("NaN")}},
		{"date string forced", "2024-02-29", true, map[zsync.Kind]zsync.Cell{
			zsync.KindText: zsync.Text("2024-02-29"), zsync.KindNumber: zsync.Text("2024-02-29"),
			zsync.KindBool: zsync.Text("2024-02-29"), zsync.KindDate: date, zsync.KindDateTime: date}},
		{"datetime string forced", "2024-03-31T23:30:00+01:00", true, map[zsync.Kind]zsync.Cell{
			zsync.KindText: zsync.Text("2024-03-31T23:30:00+01:00"), zsync.KindDate: tsDate,
			zsync.KindDateTime: zsync.DateTime(time.Date(2024, 3, 31, 23, 30, 0, 0, time.FixedZone("", 3600)))}},
		{"datetime string not forced", "2024-03-31T23:30:00+01:00", false, map[zsync.Kind]zsync.Cell{
			zsync.KindDateTime: zsync.Text("2024-03-31T23:30:00+01:00")}},
		{"int64", int64(42), false, map[zsync.Kind]zsync.Cell{
			zsync.KindText: zsync.Text("42"), zsync.KindNumber: zsync.Number(42), zsync.KindBool: zsync.Text("42"),
			zsync.KindDate: zsync.Text("42"), zsync.KindDateTime: zsync.Text("42")}},
		{"int64 beyond float precision", int64(1<<53 + 1), false, map[zsync.Kind]zsync.Cell{
			zsync.KindNumber: zsync.Text("9007199254740993")}},
		{"float64", 250000.9, false, map[zsync.Kind]zsync.Cell{
			zsync.KindText: zsync.Text("250000.9"), zsync.KindNumber: zsync.Number(250000.9),
			zsync.KindBool: zsync.Text("250000.9"), zsync.KindDate: zsync.Text("250000.9"),
			zsync.KindDateTime: zsync.Text("250000.9")}},
		{"big float64 as text", 1e21, false, map[zsync.Kind]zsync.Cell{zsync.KindText: zsync.Text("1000000000000000000000")}},
		{"bool", true, false, map[zsync.Kind]zsync.Cell{
			zsync.KindText: zsync.Text("true"), zsync.KindNumber: zsync.Text("true"), zsync.KindBool: zsync.Bool(true),
			zsync.KindDate: zsync.Text("true"), zsync.KindDateTime: zsync.Text("true")}},
		{"false", false, false, map[zsync.Kind]zsync.Cell{zsync.KindBool: zsync.Bool(false), zsync.KindText: zsync.Text("false")}},
		{"Date", day, false, map[zsync.Kind]zsync.Cell{
			zsync.KindText: zsync.Text("2024-02-29"), zsync.KindNumber: zsync.Text("2024-02-29"),
			zsync.KindBool: zsync.Text("2024-02-29"), zsync.KindDate: date,
			// midnight: the day's serial, shown as 00:00 in the sheet's zone
			zsync.KindDateTime: date}},
		{"time.Time", ts, false, map[zsync.Kind]zsync.Cell{
			zsync.KindText: zsync.Text("2024-03-31T23:30:00+01:00"), zsync.KindNumber: zsync.Text("2024-03-31T23:30:00+01:00"),
			zsync.KindBool:     zsync.Text("2024-03-31T23:30:00+01:00"),
			zsync.KindDate:     tsDate, // the day in Zoho's offset, not in UTC
			zsync.KindDateTime: zsync.DateTime(ts)}},
		{"Lookup", zsync.Lookup{ID: "9", Name: "Patricia Boyle", Email: "p@x"}, false, map[zsync.Kind]zsync.Cell{
			zsync.KindText: zsync.Text("Patricia Boyle"), zsync.KindNumber: zsync.Text("Patricia Boyle"),
			zsync.KindBool: zsync.Text("Patricia Boyle"), zsync.KindDate: zsync.Text("Patricia Boyle"),
			zsync.KindDateTime: zsync.Text("Patricia Boyle")}},
		// Every read path sends names: an empty one is an empty cell, never the id.
		{"Lookup without name", zsync.Lookup{ID: "9"}, false, map[zsync.Kind]zsync.Cell{zsync.KindText: {}}},
		{"[]string", []string{"English", "German"}, false, map[zsync.Kind]zsync.Cell{
			zsync.KindText: zsync.Text("English, German"), zsync.KindNumber: zsync.Text("English, German"),
			zsync.KindDate: zsync.Text("English, German")}},
		{"[]string one", []string{"English"}, false, map[zsync.Kind]zsync.Cell{zsync.KindText: zsync.Text("English")}},
		{"[]string empty", []string{}, false, map[zsync.Kind]zsync.Cell{zsync.KindText: {}}},
		{"[]Value of numbers", []zsync.Value{1.5, int64(2)}, false, map[zsync.Kind]zsync.Cell{
			zsync.KindText: zsync.Text("1.5, 2"), zsync.KindNumber: zsync.Text("1.5, 2")}},
		{"[]Value one number keeps its type", []zsync.Value{1.5}, false, map[zsync.Kind]zsync.Cell{
			zsync.KindNumber: zsync.Number(1.5), zsync.KindText: zsync.Text("1.5")}},
		{"[]Value of lookups", []zsync.Value{zsync.Lookup{Name: "vip"}, nil, zsync.Lookup{Name: "hot"}}, false,
			map[zsync.Kind]zsync.Cell{zsync.KindText: zsync.Text("vip, hot")}},
		{"[]Value empty", []zsync.Value{}, false, map[zsync.Kind]zsync.Cell{zsync.KindText: {}, zsync.KindNumber: {}}},
		{"map with name", map[string]zsync.Value{"name": "Zylker", "id": "1"}, false, map[zsync.Kind]zsync.Cell{
			zsync.KindText: zsync.Text("Zylker"), zsync.KindNumber: zsync.Text("Zylker")}},
		{"map without name", map[string]zsync.Value{"b": 2.0, "a": "x"}, false, map[zsync.Kind]zsync.Cell{
			zsync.KindText: zsync.Text(`{"a":"x","b":2}`)}},
		{"map empty", map[string]zsync.Value{}, false, map[zsync.Kind]zsync.Cell{zsync.KindText: {}}},
		{"unexpected type", struct{ X int }{3}, false, map[zsync.Kind]zsync.Cell{
			zsync.KindText: zsync.Text("{3}"), zsync.KindNumber: zsync.Text("{3}")}},
	}
	for _, tt := range tests {
		for kind, want := range tt.want {
			t.Run(fmt.Sprintf("%s/%s", tt.name, kind), func(t *testing.T) {
				spec := zsync.ColumnSpec{Header: "C", Field: inferred[kind]}
				if tt.forced {
					spec = zsync.ColumnSpec{Header: "C", Field: "Full_Name", Type: kind.String()}
				}
				m := mustMapper(t, spec)
				if got := m.Columns()[1].Kind; got != kind {
					t.Fatalf("column kind = %v, want %v", got, kind)
				}
				row := m.Row(zsync.Record{ID: "1", Fields: map[string]zsync.Value{spec.Field: tt.v}})
				if d := cmp.Diff(want, row.Cells[1]); d != "" {
					t.Errorf("cell (-want +got):\n%s", d)
				}
			})
		}
	}
}

func TestRowPaths(t *testing.T) {
	owner := zsync.Lookup{ID: "5540011", Name: "Patricia Boyle", Email: "p.boyle@zylker.com"}
	tags := []zsync.Value{
		zsync.Lookup{ID: "1", Name: "vip"},
		map[string]zsync.Value{"name": "hot", "id": "2", "color_code": "#ff0000"},
		zsync.Lookup{ID: "3"}, // no name: nothing to join
	}
	products := []zsync.Value{
		map[string]zsync.Value{"Product": map[string]zsync.Value{"name": "Widget", "id": "7"}, "Quantity": 2.0},
		map[string]zsync.Value{"Product": map[string]zsync.Value{"name": "Gadget", "id": "8"}, "Quantity": 3.0},
	}
	rec := zsync.Record{ID: "100", Fields: map[string]zsync.Value{
		"Owner": owner, "Tag": tags, "Products": products, "Full_Name": "Ada",
		"Extra":     map[string]zsync.Value{"a": map[string]zsync.Value{"b": int64(7)}},
		"Languages": []string{"English", "German"},
	}}
	tests := []struct {
		spec zsync.ColumnSpec
		want zsync.Cell
	}{
		{zsync.ColumnSpec{Field: "Owner"}, zsync.Text("Patricia Boyle")},
		{zsync.ColumnSpec{Field: "Owner.name"}, zsync.Text("Patricia Boyle")},
		{zsync.ColumnSpec{Field: "Owner.Name"}, zsync.Text("Patricia Boyle")},
		{zsync.ColumnSpec{Field: "Owner.id"}, zsync.Text("5540011")},
		{zsync.ColumnSpec{Field: "Owner.email"}, zsync.Text("p.boyle@zylker.com")},
		{zsync.ColumnSpec{Field: "Owner.id", Type: "number"}, zsync.Number(5540011)},
		{zsync.ColumnSpec{Field: "Tag.name"}, zsync.Text("vip, hot")},
		{zsync.ColumnSpec{Field: "Tag.name", Join: " | "}, zsync.Text("vip | hot")},
		{zsync.ColumnSpec{Field: "Tag.id", Join: ";"}, zsync.Text("1;2;3")},
		{zsync.ColumnSpec{Field: "Tag"}, zsync.Text("vip, hot")}, // a nameless element shows nothing, not its id
		{zsync.ColumnSpec{Field: "Tag.color_code"}, zsync.Text("#ff0000")},
		{zsync.ColumnSpec{Field: "Tag.nope"}, zsync.Cell{}},
		{zsync.ColumnSpec{Field: "Products.Product.name"}, zsync.Text("Widget, Gadget")},
		{zsync.ColumnSpec{Field: "Products.Quantity"}, zsync.Text("2, 3")},
		{zsync.ColumnSpec{Field: "Extra.a.b"}, zsync.Text("7")},
		{zsync.ColumnSpec{Field: "Extra.a.b", Type: "number"}, zsync.Number(7)},
		{zsync.ColumnSpec{Field: "Extra.a"}, zsync.Text(`{"b":7}`)},
		{zsync.ColumnSpec{Field: "Extra.missing.deeper"}, zsync.Cell{}},
		{zsync.ColumnSpec{Field: "Full_Name.x"}, zsync.Cell{}}, // into a scalar
		{zsync.ColumnSpec{Field: "Languages.x"}, zsync.Cell{}}, // into []string
		{zsync.ColumnSpec{Field: "Languages", Join: "/"}, zsync.Text("English/German")},
		{zsync.ColumnSpec{Field: "Email"}, zsync.Cell{}}, // absent
	}
	for _, tt := range tests {
		t.Run(tt.spec.Field+"/"+tt.spec.Join+"/"+tt.spec.Type, func(t *testing.T) {
			tt.spec.Header = "C"
			m := mustMapper(t, tt.spec)
			row := m.Row(rec)
			if row.Key != "100" || row.Cells[0] != zsync.Text("100") {
				t.Fatalf("key cells = %q %+v", row.Key, row.Cells[0])
			}
			if d := cmp.Diff(tt.want, row.Cells[1]); d != "" {
				t.Errorf("cell (-want +got):\n%s", d)
			}
		})
	}
}

func TestRowDoesNotPanicOnOddShapes(t *testing.T) {
	m := mustMapper(t,
		zsync.ColumnSpec{Header: "A", Field: "Owner.name"},
		zsync.ColumnSpec{Header: "B", Field: "Tag.name"},
		zsync.ColumnSpec{Header: "C", Field: "Created_Time"},
		zsync.ColumnSpec{Header: "D", Field: "Extra.x.y"},
	)
	odd := []zsync.Value{nil, "s", int64(1), 1.0, true, day, ts, zsync.Lookup{},
		[]string{"a"}, []zsync.Value{nil, []zsync.Value{"x"}}, map[string]zsync.Value{"x": nil},
		map[string]zsync.Value{"x": []string{"p", "q"}}, make(chan int)}
	for _, v := range odd {
		r := m.Row(zsync.Record{ID: "1", Fields: map[string]zsync.Value{
			"Owner": v, "Tag": v, "Created_Time": v, "Extra": v}})
		if len(r.Cells) != 5 {
			t.Fatalf("%T: %d cells", v, len(r.Cells))
		}
	}
	if r := m.Row(zsync.Record{}); r.Key != "" || len(r.Cells) != 5 {
		t.Fatalf("empty record: %+v", r)
	}
}

func BenchmarkMapperRow(b *testing.B) {
	specs := []zsync.ColumnSpec{
		{Header: "Zoho ID", Field: "id"},
		{Header: "Name", Field: "Full_Name"},
		{Header: "Email", Field: "Email"},
		{Header: "Owner", Field: "Owner.name"},
		{Header: "Account", Field: "Account_Name"},
		{Header: "Revenue", Field: "Annual_Revenue"},
		{Header: "Employees", Field: "No_of_Employees"},
		{Header: "Opt out", Field: "Email_Opt_Out"},
		{Header: "Birthday", Field: "Birthday"},
		{Header: "Created", Field: "Created_Time"},
		{Header: "Modified", Field: "Modified_Time"},
		{Header: "Tags", Field: "Tag.name"},
	}
	m, err := zsync.NewMapper(specs, leadFields)
	if err != nil {
		b.Fatal(err)
	}
	recs := make([]zsync.Record, 1000)
	for i := range recs {
		recs[i] = zsync.Record{ID: fmt.Sprint(554023000000000000 + i), Fields: map[string]zsync.Value{
			"Full_Name":       fmt.Sprintf("Lead %d", i),
			"Email":           fmt.Sprintf("lead%d@example.com", i),
			"Owner":           zsync.Lookup{ID: "1", Name: "Patricia Boyle", Email: "p@x"},
			"Account_Name":    zsync.Lookup{ID: "2", Name: "Zylker"},
			"Annual_Revenue":  float64(i) * 1000.5,
			"No_of_Employees": int64(i),
			"Email_Opt_Out":   i%2 == 0,
			"Birthday":        day,
			"Created_Time":    ts,
			"Modified_Time":   ts,
			"Tag":             []zsync.Value{zsync.Lookup{Name: "vip"}, zsync.Lookup{Name: "hot"}},
		}}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r := m.Row(recs[i%len(recs)])
		if len(r.Cells) != len(specs) {
			b.Fatal("short row")
		}
	}
}

package zoho

import (
	"reflect"
	"strings"
	"testing"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// csvRecords streams a CSV export through streamCSV.
func csvRecords(t *testing.T, text string, meta map[string]zsync.Field) []zsync.Record {
	t.Helper()
	var out []zsync.Record
	streamCSV(strings.NewReader(text), meta, func(r zsync.Record, err error) bool {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
		return true
	})
	return out
}

// A Bulk Read CSV carries text as the JSON paths do: a "\r\n" inside a
// quoted field stays (encoding/csv alone turns it into "\n"), whether the
// rows end with "\r\n" or "\n"; quotes, separators and a lone "\r" too.
func TestBulkCSVKeepsCarriageReturns(t *testing.T) {
	meta := map[string]zsync.Field{"Description": {APIName: "Description", DataType: "textarea"},
		"Company": {APIName: "Company", DataType: "text"}}
	want := []string{"one\r\ntwo", "a \"quote\", a comma\r\n", "lone\rcr", "\r\n", "plain"}
	for _, eol := range []string{"\r\n", "\n"} {
		var b strings.Builder
		b.WriteString("\ufeffid,Description,Company" + eol)
		for i, s := range want {
			b.WriteString("1" + strings.Repeat("0", i) + `,"` + strings.ReplaceAll(s, `"`, `""`) + `",x` + eol)
		}
		recs := csvRecords(t, b.String(), meta)
		if len(recs) != len(want) {
			t.Fatalf("eol %q: %d records, want %d", eol, len(recs), len(want))
		}
		for i, r := range recs {
			if got := r.Fields["Description"]; got != want[i] || r.Fields["Company"] != "x" {
				t.Errorf("eol %q record %d: Description %q Company %q, want %q and x", eol, i, got, r.Fields["Company"], want[i])
			}
		}
	}
}

// Formula fields carry their result's type only in json_type: the JSON
// paths read a number (or a boolean) there, and so must the CSV.
func TestBulkCSVFormulaTypedByJSONType(t *testing.T) {
	meta := map[string]zsync.Field{
		"Expected":      {APIName: "Expected", DataType: "formula", JSONType: "double"},
		"Days":          {APIName: "Days", DataType: "formula", JSONType: "integer"},
		"Hot":           {APIName: "Hot", DataType: "formula", JSONType: "boolean"},
		"Label":         {APIName: "Label", DataType: "formula", JSONType: "string"},
		"Modified_Time": {APIName: "Modified_Time", DataType: "datetime"},
	}
	recs := csvRecords(t, "id,Expected,Days,Hot,Label,Modified_Time\n7,1978.66,12,true,007,2026-01-05T14:30:00+05:30\n", meta)
	want := map[string]zsync.Value{"id": "7", "Expected": 1978.66, "Days": int64(12), "Hot": true, "Label": "007",
		"Modified_Time": time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}
	got := recs[0].Fields
	for k, w := range want {
		if t1, ok := w.(time.Time); ok {
			if g, ok := got[k].(time.Time); !ok || !g.Equal(t1) {
				t.Errorf("%s = %#v, want %v", k, got[k], w)
			}
			continue
		}
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("%s = %#v, want %#v", k, got[k], w)
		}
	}
}

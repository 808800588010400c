package sheets

import (
	"encoding/json"
	"strings"
	"testing"

	"google.golang.org/api/sheets/v4"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// The grid must read an answer exactly as the generated client does.
func TestDecodeValueRangesMatchesClient(t *testing.T) {
	body := `{"spreadsheetId": "x", "valueRanges": [
	  {"range": "'Leads'!A1:D4", "majorDimension": "ROWS", "values": [
	    ["Zoho ID", "Name", "Revenue", "Ok"],
	    [],
	    ["4150868000000224005", "Zoë \"Z\" Åkesson 🚀\n", 1.5e3, true, "", false],
	    [-0.25, null, "=IMPORTDATA(\"x\")", "\u2028\ud83d\ude80"]
	  ], "extra": {"nested": [1, {"a": "]"}]}},
	  {"range": "'Leads'!A1:A1", "majorDimension": "ROWS"}
	], "more": null}`
	gs, err := decodeValueRanges(strings.NewReader(body), 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want sheets.BatchGetValuesResponse
	if err := json.Unmarshal([]byte(body), &want); err != nil {
		t.Fatal(err)
	}
	for i, vr := range want.ValueRanges {
		g := gs[i]
		if g.rows() != len(vr.Values) {
			t.Fatalf("range %d: %d rows, want %d", i, g.rows(), len(vr.Values))
		}
		for r, row := range vr.Values {
			if g.rowWidth(r) != len(row) {
				t.Fatalf("range %d row %d: width %d, want %d", i, r, g.rowWidth(r), len(row))
			}
			for c, v := range row {
				if got := g.at(r, c); got != v {
					t.Errorf("range %d cell (%d,%d) = %#v, want %#v", i, r, c, got, v)
				}
				if !g.same(r, c, v, zsync.KindText) && v != nil {
					t.Errorf("same(%d,%d,%#v) = false", r, c, v)
				}
			}
		}
	}
	if gs[0].width != 6 || gs[0].at(9, 9) != nil || gs[0].at(1, 0) != nil {
		t.Errorf("width %d, outside cells %v %v", gs[0].width, gs[0].at(9, 9), gs[0].at(1, 0))
	}
	if gs[0].same(2, 2, 1501.0, zsync.KindNumber) || !gs[0].same(2, 4, "", zsync.KindText) || gs[0].same(2, 1, "Zoë", zsync.KindText) {
		t.Error("same compares what it should not")
	}
}

func TestDecodeValueRangesRejectsGarbage(t *testing.T) {
	for _, body := range []string{`{"valueRanges": [{"values": [["a", nope]]}]}`, `{"valueRanges": [{"values": [["a"`, `<html>`} {
		if _, err := decodeValueRanges(strings.NewReader(body), 1, nil); err == nil {
			t.Errorf("%s: no error", body)
		}
	}
}

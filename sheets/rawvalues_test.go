package sheets

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/sheets/v4"
)

// The hand-encoded request must say what the generated client would.
func TestEncodeValueRangesMatchesClient(t *testing.T) {
	data := []*sheets.ValueRange{
		{Range: "'Leads'!A1", Values: [][]any{{"Zoho ID"}}},
		{Range: "'Le\"ads'!B2:E2", Values: [][]any{{"=IMPORTDATA(\"x\")", nil, 1.5, true}}},
		{Range: "'Leads'!A3:C4", Values: [][]any{{"Zoë 🚀\n\u2028", 45306.5, false}, {"", -0.000001, 1e21}}},
	}
	batch := make([]valueRange, len(data))
	for i, vr := range data {
		batch[i] = newValueRange(vr)
	}
	// The last range again, its rows encoded ahead as a block of new rows is.
	last := data[len(data)-1]
	block := appendRow(nil, last.Values[0])
	block = appendRow(append(block, ','), last.Values[1])
	batch = append(batch, valueRange{ValueRange: &sheets.ValueRange{Range: last.Range}, rows: block})
	data = append(data, last)
	body := encodeValueRanges(batch)
	got := body.bytes()
	if n, err := io.ReadAll(body.reader()); err != nil || !bytes.Equal(n, got) || body.len() != len(got) {
		t.Errorf("the body reads back as %d bytes (%v), want %d", len(n), err, len(got))
	}
	want, err := json.Marshal(&sheets.BatchUpdateValuesRequest{ValueInputOption: "RAW", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("invalid JSON %s: %v", got, err)
	}
	json.Unmarshal(want, &w)
	if d := cmp.Diff(w, g); d != "" {
		t.Errorf("request differs from the client's (-client +ours):\n%s", d)
	}
}

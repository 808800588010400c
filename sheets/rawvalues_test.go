package sheets

import (
	"encoding/json"
	"math"
	"math/rand/v2"
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
	got := encodeValueRanges(data)
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

func TestAppendFloatMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	fs := []float64{0, 1, -1, 0.1, 1e-7, 1e-6, 123456789012345680, 1e20, 1e21, 4150868000000224005, math.MaxFloat64, math.SmallestNonzeroFloat64, 45306.999988426}
	for range 10000 {
		fs = append(fs, math.Float64frombits(r.Uint64()), r.NormFloat64()*math.Pow(10, float64(r.IntN(60)-30)))
	}
	for _, f := range fs {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		want, _ := json.Marshal(f)
		if got := appendFloat(nil, f); string(got) != string(want) {
			t.Fatalf("appendFloat(%v) = %s, encoding/json %s", f, got, want)
		}
	}
}

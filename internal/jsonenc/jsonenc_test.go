package jsonenc

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

func TestAppendStringReadsBackLikeEncodingJSON(t *testing.T) {
	for _, s := range []string{
		"", "plain", `quote " and \ backslash`, "line\nbreak\r\ttab", "\x00\x01\x1f",
		"Zoë 🎉 李雷 شركة", "=IMPORTDATA(\"x\")", "bad \xff byte", "sep \u2028 \u2029 end",
	} {
		out := AppendString(nil, s)
		var got string
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%q: not valid JSON %s: %v", s, out, err)
		}
		want, _ := json.Marshal(s) // encoding/json also replaces invalid bytes
		var w string
		json.Unmarshal(want, &w)
		if got != w {
			t.Errorf("%q: read back %q, want %q", s, got, w)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add("a\"b\\c\n\xff\u2028")
	f.Fuzz(func(t *testing.T, s string) {
		var got, want string
		if err := json.Unmarshal(AppendString(nil, s), &got); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(s)
		json.Unmarshal(b, &want)
		if got != want {
			t.Fatalf("%q: %q != %q", s, got, want)
		}
	})
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
		if got := AppendFloat(nil, f); string(got) != string(want) {
			t.Fatalf("AppendFloat(%v) = %s, encoding/json %s", f, got, want)
		}
	}
}

package jsonenc

import (
	"encoding/json"
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

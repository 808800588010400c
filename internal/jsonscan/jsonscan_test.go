package jsonscan

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

func FuzzString(f *testing.F) {
	for _, s := range []string{`"plain"`, `"a\"b\\c\/d\b\f\n\r\t"`, `"\u00e9\u4e2d"`, `"\ud83d\ude80 rocket"`,
		`"\ud83d lone"`, `"\ude80"`, `"\ud83d\u0041"`, `"=IMPORTDATA(\"x\")"`, `"bad \x"`, `"cut`, "\"ctl \x01\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var want string
		wantErr := json.Unmarshal([]byte(in), &want)
		sc := New(strings.NewReader(in))
		got, ok := sc.String(nil)
		if ok {
			sc.Peek()
			if _, err := sc.r.ReadByte(); err != io.EOF {
				ok = false // trailing data: not one string
			}
		}
		if (wantErr == nil) != ok {
			t.Fatalf("String(%q): ok=%v (err %v), encoding/json err=%v", in, ok, sc.Err(), wantErr)
		}
		if ok && string(got) != want {
			t.Fatalf("String(%q) = %q, encoding/json reads %q", in, got, want)
		}
	})
}

func TestRawAndSkip(t *testing.T) {
	in := `{"a": [1, "x\"]", {"b": null}], "c": true, "d": -1.5e3 }`
	sc := New(strings.NewReader(in))
	raw, ok := sc.Raw(nil)
	if !ok {
		t.Fatal(sc.Err())
	}
	var a, b any
	if err := json.Unmarshal([]byte(in), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatalf("Raw gave invalid JSON %s: %v", raw, err)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatalf("Raw = %s, want %s", jb, ja)
	}

	sc = New(strings.NewReader(`{"skip": {"x": [1, 2, {"y": "]"}]}, "keep": "v"}`))
	sc.Expect('{')
	var got []string
	for sc.More('}') {
		k, _ := sc.Key(nil)
		if string(k) == "skip" {
			sc.Skip()
			continue
		}
		v, _ := sc.String(nil)
		got = append(got, string(k)+"="+string(v))
	}
	if sc.Err() != nil || len(got) != 1 || got[0] != "keep=v" {
		t.Fatalf("got %v, err %v", got, sc.Err())
	}
}

func TestCutBody(t *testing.T) {
	sc := New(strings.NewReader(`{"values": [["a", "b`))
	sc.Expect('{')
	sc.More('}')
	sc.Key(nil)
	sc.Expect('[')
	sc.More(']')
	sc.Expect('[')
	for sc.More(']') {
		sc.String(nil)
	}
	if !errors.Is(sc.Err(), io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want io.ErrUnexpectedEOF (a cut body is retried)", sc.Err())
	}
}

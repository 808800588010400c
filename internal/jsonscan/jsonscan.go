// Package jsonscan reads JSON from a stream token by token, without
// reflection and without holding the document.
//
// Large answers (a 1,000,000-cell tab, a page of CRM records) decode with
// encoding/json into a boxed value per cell and a buffered copy of the whole
// body; scanning them lets the caller keep only what it needs, in the form
// it needs.
package jsonscan

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// Scanner reads one JSON document. After the first error every method
// reports failure and Err returns it.
type Scanner struct {
	r   *bufio.Reader
	err error
}

// New returns a Scanner reading r.
func New(r io.Reader) *Scanner { return &Scanner{r: bufio.NewReaderSize(r, 64<<10)} }

// Err is the first error met: the reader's (io.ErrUnexpectedEOF for a body
// cut short) or a syntax error.
func (s *Scanner) Err() error { return s.err }

func (s *Scanner) fail(err error) {
	if s.err == nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		s.err = err
	}
}

func (s *Scanner) failf(format string, a ...any) {
	s.fail(fmt.Errorf("jsonscan: "+format, a...))
}

// window returns the bytes buffered (reading more when none are), nil
// at the end of input or after an error.
func (s *Scanner) window() []byte {
	if s.err != nil {
		return nil
	}
	b, err := s.r.Peek(max(s.r.Buffered(), 1))
	if len(b) == 0 && err != nil && err != io.EOF {
		s.fail(err)
	}
	return b
}

// Peek skips white space and returns the next byte without consuming it;
// 0 at the end of input or after an error.
func (s *Scanner) Peek() byte {
	for {
		w := s.window()
		if len(w) == 0 {
			return 0
		}
		for i, c := range w {
			if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
				s.r.Discard(i)
				return c
			}
		}
		s.r.Discard(len(w))
	}
}

// Expect consumes the next non-space byte, which must be c.
func (s *Scanner) Expect(c byte) bool {
	got := s.Peek()
	if got != c {
		if s.err == nil {
			s.failf("want %q, got %q", c, got)
		}
		return false
	}
	s.r.ReadByte()
	return true
}

// More reports whether another element of the array or object being read
// follows, consuming the comma before it; at end (']' or '}') it consumes
// end and reports false.
func (s *Scanner) More(end byte) bool {
	c := s.Peek()
	if c == ',' {
		s.r.ReadByte()
		c = s.Peek()
	}
	if c == end {
		s.r.ReadByte()
		return false
	}
	if c == 0 && s.err == nil {
		s.fail(io.ErrUnexpectedEOF)
	}
	return s.err == nil
}

// Key reads an object key and its colon, appending the key to dst.
func (s *Scanner) Key(dst []byte) ([]byte, bool) {
	dst, ok := s.String(dst)
	return dst, ok && s.Expect(':')
}

// String reads a string, appending its unescaped contents to dst.
func (s *Scanner) String(dst []byte) ([]byte, bool) {
	if !s.Expect('"') {
		return dst, false
	}
	start, ascii := len(dst), true
	for {
		w := s.window()
		if len(w) == 0 {
			s.fail(io.ErrUnexpectedEOF)
			return dst, false
		}
		i := 0
		for i < len(w) {
			c := w[i]
			if c == '"' || c == '\\' || c < 0x20 {
				break
			}
			if c >= utf8.RuneSelf {
				ascii = false
			}
			i++
		}
		dst = append(dst, w[:i]...)
		s.r.Discard(i)
		if i == len(w) {
			continue
		}
		c := w[i]
		s.r.Discard(1)
		switch {
		case c == '"':
			if !ascii && !utf8.Valid(dst[start:]) {
				dst = append(dst[:start], validUTF8(dst[start:])...)
			}
			return dst, true
		case c == '\\':
			if dst = s.escape(dst); s.err != nil {
				return dst, false
			}
		default:
			s.failf("control character %#x in a string", c)
			return dst, false
		}
	}
}

// validUTF8 returns b with each invalid byte replaced by U+FFFD, as
// encoding/json reads it.
func validUTF8(b []byte) []byte {
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return out
}

// escape decodes the escape after a backslash.
func (s *Scanner) escape(dst []byte) []byte {
	c, err := s.r.ReadByte()
	if err != nil {
		s.fail(err)
		return dst
	}
	switch c {
	case '"', '\\', '/':
		return append(dst, c)
	case 'b':
		return append(dst, '\b')
	case 'f':
		return append(dst, '\f')
	case 'n':
		return append(dst, '\n')
	case 'r':
		return append(dst, '\r')
	case 't':
		return append(dst, '\t')
	case 'u':
		r := s.hex4()
		if utf16.IsSurrogate(r) {
			// A pair is two escapes; a lone half is U+FFFD, as encoding/json reads it.
			if b, _ := s.r.Peek(2); len(b) == 2 && b[0] == '\\' && b[1] == 'u' {
				s.r.Discard(2)
				r2 := s.hex4()
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					return utf8.AppendRune(dst, dec)
				}
				dst = utf8.AppendRune(dst, utf8.RuneError)
				if utf16.IsSurrogate(r2) {
					return utf8.AppendRune(dst, utf8.RuneError)
				}
				return utf8.AppendRune(dst, r2)
			}
			return utf8.AppendRune(dst, utf8.RuneError)
		}
		return utf8.AppendRune(dst, r)
	}
	s.failf("bad escape \\%c", c)
	return dst
}

func (s *Scanner) hex4() rune {
	var r rune
	for range 4 {
		c, err := s.r.ReadByte()
		if err != nil {
			s.fail(err)
			return utf8.RuneError
		}
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			s.failf("bad \\u escape")
			return utf8.RuneError
		}
		r = r<<4 | rune(c)
	}
	return r
}

// Literal reads a number, true, false or null and appends its text to dst.
func (s *Scanner) Literal(dst []byte) ([]byte, bool) {
	s.Peek()
	start := len(dst)
	for done := false; !done; {
		w := s.window()
		if len(w) == 0 {
			break
		}
		i := 0
		for ; i < len(w); i++ {
			c := w[i]
			if c == ',' || c == ']' || c == '}' || c == ' ' || c == '\t' || c == '\n' || c == '\r' {
				done = true
				break
			}
			if c == '"' || c == '[' || c == '{' || c == ':' {
				s.failf("unexpected %q", c)
				return dst, false
			}
		}
		dst = append(dst, w[:i]...)
		s.r.Discard(i)
	}
	if len(dst) == start && s.err == nil {
		s.failf("missing value")
	}
	return dst, s.err == nil
}

// Raw appends the JSON text of the next value, whatever it is, to dst.
func (s *Scanner) Raw(dst []byte) ([]byte, bool) {
	switch s.Peek() {
	case '"':
		s.r.Discard(1)
		dst = append(dst, '"')
		escaped := false
		for {
			w := s.window()
			if len(w) == 0 {
				s.fail(io.ErrUnexpectedEOF)
				return dst, false
			}
			for i, c := range w {
				switch {
				case escaped:
					escaped = false
				case c == '\\':
					escaped = true
				case c == '"':
					dst = append(dst, w[:i+1]...)
					s.r.Discard(i + 1)
					return dst, true
				}
			}
			dst = append(dst, w...)
			s.r.Discard(len(w))
		}
	case '[', '{':
		open, _ := s.r.ReadByte()
		end := byte(']')
		if open == '{' {
			end = '}'
		}
		dst = append(dst, open)
		first := true
		for {
			c := s.Peek()
			if c == end {
				s.r.ReadByte()
				return append(dst, end), true
			}
			if !first {
				if !s.Expect(',') {
					return dst, false
				}
				dst = append(dst, ',')
			}
			first = false
			var ok bool
			if open == '{' {
				if dst, ok = s.Raw(dst); !ok || !s.Expect(':') {
					return dst, false
				}
				dst = append(dst, ':')
			}
			if dst, ok = s.Raw(dst); !ok {
				return dst, false
			}
		}
	case 0:
		if s.err == nil {
			s.fail(io.ErrUnexpectedEOF)
		}
		return dst, false
	}
	return s.Literal(dst)
}

// Skip reads past the next value.
func (s *Scanner) Skip() bool {
	var buf [64]byte
	_, ok := s.Raw(buf[:0])
	return ok
}

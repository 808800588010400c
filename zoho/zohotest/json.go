package zohotest

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// The record encoder writes JSON by hand: benchmarks read 100,000
// records through the emulator, and encoding/json on maps would dominate.

func (s *Server) appendRecord(b []byte, m *module, r *record, fields []*fieldSpec) []byte {
	b = append(b, '{')
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, f.api)
		b = append(b, ':')
		b = s.appendValue(b, s.value(m, r, f))
	}
	return append(b, '}')
}

func (s *Server) appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case float64:
		return strconv.AppendFloat(b, x, 'f', -1, 64)
	case dtV:
		b = append(b, '"')
		b = time.Unix(int64(x), 0).In(s.loc).AppendFormat(b, time.RFC3339)
		return append(b, '"')
	case *user:
		b = append(b, `{"name":`...)
		b = appendString(b, x.name)
		b = append(b, `,"id":`...)
		b = appendString(b, x.id)
		b = append(b, `,"email":`...)
		b = appendString(b, x.email)
		return append(b, '}')
	case lookupV:
		b = append(b, `{"name":`...)
		b = appendString(b, x.name)
		b = append(b, `,"id":`...)
		b = appendString(b, x.id)
		return append(b, '}')
	case []string:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, e)
		}
		return append(b, ']')
	case []lookupV:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = s.appendValue(b, e)
		}
		return append(b, ']')
	default:
		j, err := json.Marshal(x)
		if err != nil {
			return append(b, "null"...)
		}
		return append(b, j...)
	}
}

// appendString writes s as a JSON string, keeping UTF-8 as is and
// replacing invalid bytes with U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

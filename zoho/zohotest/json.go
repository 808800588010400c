package zohotest

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/zoho2sheets/zoho2sheets/internal/jsonenc"
)

// The record encoder writes JSON by hand: benchmarks read 100,000
// records through the emulator, and encoding/json on maps would dominate.

func (s *Server) appendRecord(b []byte, m *module, r *record, fields []*fieldSpec) []byte {
	b = append(b, '{')
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonenc.AppendString(b, f.api)
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
		return jsonenc.AppendString(b, x)
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
		b = jsonenc.AppendString(b, x.name)
		b = append(b, `,"id":`...)
		b = jsonenc.AppendString(b, x.id)
		b = append(b, `,"email":`...)
		b = jsonenc.AppendString(b, x.email)
		return append(b, '}')
	case lookupV:
		b = append(b, `{"name":`...)
		b = jsonenc.AppendString(b, x.name)
		b = append(b, `,"id":`...)
		b = jsonenc.AppendString(b, x.id)
		return append(b, '}')
	case []string:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonenc.AppendString(b, e)
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

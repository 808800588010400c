package sync

import (
	"encoding/binary"
	"math"
	"time"
	"unsafe"
)

// rowStore holds rows packed into byte chunks: a key, then per cell a kind,
// a flag byte and only the fields the cell uses. A row of ten cells takes
// about a quarter of the memory of a Row and its []Cell, and the chunks
// hold no pointers, so the garbage collector never scans them.
//
// Full chunks are never written again, so strings read back are views of
// the chunk bytes (no copy); a chunk lives as long as any of them.
type rowStore struct {
	chunks [][]byte
	rows   []rowRef
}

type rowRef struct{ chunk, off uint32 }

// chunkSize is the size of one chunk; a larger row gets a chunk of its own.
const chunkSize = 1 << 20

// Flags of a packed cell: which fields follow the kind.
const (
	packB    = 1 << iota // B is true
	packF                // F follows (8 bytes)
	packS                // S follows (length, bytes)
	packT                // T follows (seconds, nanoseconds)
	packKey              // S is the row's key (the id column): not stored twice
	packLink             // Link follows (length, bytes)
)

func (s *rowStore) len() int { return len(s.rows) }

func (s *rowStore) add(r Row) {
	n := binary.MaxVarintLen64 * 2
	n += len(r.Key)
	for i := range r.Cells {
		c := &r.Cells[i]
		n += 2 + 8 + 4*binary.MaxVarintLen64 + len(c.S) + len(c.Link)
	}
	last := len(s.chunks) - 1
	if last < 0 || len(s.chunks[last])+n > cap(s.chunks[last]) {
		s.chunks = append(s.chunks, make([]byte, 0, max(chunkSize, n)))
		last++
	}
	b := s.chunks[last]
	s.rows = append(s.rows, rowRef{chunk: uint32(last), off: uint32(len(b))})
	b = binary.AppendUvarint(b, uint64(len(r.Key)))
	b = append(b, r.Key...)
	b = binary.AppendUvarint(b, uint64(len(r.Cells)))
	for i := range r.Cells {
		c := &r.Cells[i]
		var flags byte
		if c.B {
			flags |= packB
		}
		if c.F != 0 || math.Signbit(c.F) {
			flags |= packF
		}
		switch {
		case c.S != "" && c.S == r.Key:
			flags |= packKey
		case c.S != "":
			flags |= packS
		}
		if !c.T.IsZero() {
			flags |= packT
		}
		if c.Link != "" {
			flags |= packLink
		}
		b = append(b, byte(c.Kind), flags)
		if flags&packF != 0 {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(c.F))
		}
		if flags&packS != 0 {
			b = binary.AppendUvarint(b, uint64(len(c.S)))
			b = append(b, c.S...)
		}
		if flags&packT != 0 {
			b = binary.AppendVarint(b, c.T.Unix())
			b = binary.AppendUvarint(b, uint64(c.T.Nanosecond()))
		}
		if flags&packLink != 0 {
			b = binary.AppendUvarint(b, uint64(len(c.Link)))
			b = append(b, c.Link...)
		}
	}
	s.chunks[last] = b
}

// key returns row i's key without decoding its cells.
func (s *rowStore) key(i int) string {
	ref := s.rows[i]
	b := s.chunks[ref.chunk][ref.off:]
	n, k := binary.Uvarint(b)
	if n == 0 {
		return ""
	}
	return unsafe.String(&b[k], int(n))
}

// row decodes row i into buf's storage. Times come back in UTC (the
// instant is kept; a cell's zone never decides what is written).
func (s *rowStore) row(i int, buf []Cell) Row {
	ref := s.rows[i]
	b := s.chunks[ref.chunk][ref.off:]
	str := func() string {
		n, k := binary.Uvarint(b)
		b = b[k:]
		if n == 0 {
			return ""
		}
		v := unsafe.String(&b[0], int(n)) // a full chunk is never written again
		b = b[n:]
		return v
	}
	r := Row{Key: str()}
	n, k := binary.Uvarint(b)
	b = b[k:]
	cells := buf[:0]
	for range n {
		c := Cell{Kind: Kind(b[0])}
		flags := b[1]
		b = b[2:]
		c.B = flags&packB != 0
		if flags&packF != 0 {
			c.F = math.Float64frombits(binary.LittleEndian.Uint64(b))
			b = b[8:]
		}
		if flags&packS != 0 {
			c.S = str()
		}
		if flags&packKey != 0 {
			c.S = r.Key
		}
		if flags&packT != 0 {
			sec, k := binary.Varint(b)
			b = b[k:]
			nsec, k := binary.Uvarint(b)
			b = b[k:]
			c.T = time.Unix(sec, int64(nsec)).UTC()
		}
		if flags&packLink != 0 {
			c.Link = str()
		}
		cells = append(cells, c)
	}
	r.Cells = cells
	return r
}

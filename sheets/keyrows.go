package sheets

import (
	"hash/maphash"
	"math/bits"
	"unsafe"
)

// keyRows maps a key to the first row holding it. It is an open-addressing
// table of row numbers whose keys are read back from the snapshot when
// probed, instead of a map holding a string header and a word per row: a
// 100,000-row tab costs 0.5 MB here, over 3 MB as a map[string]int.
//
// A slot holds the row in its upper 24 bits and 8 bits of the key's hash
// below: a probe reads a row's key back only when those bits agree, so
// the table can be three quarters full. Google Sheets holds at most
// 10,000,000 cells, so a row number always fits in 24 bits.
type keyRows struct {
	slots []uint32 // row<<8 | tag; 0 marks an empty slot (row 0 is the header)
	seed  maphash.Seed
	key   func(b []byte, r int) []byte
	buf   []byte
}

// maxKeyRows is the number of rows a keyRows can index.
const maxKeyRows = 1 << 24

// newKeyRows sizes the table for n keys; key appends the key of row
// 1 ≤ r < maxKeyRows to b.
func newKeyRows(n int, key func(b []byte, r int) []byte) *keyRows {
	return &keyRows{slots: make([]uint32, max(16, n+n/3+1)), seed: maphash.MakeSeed(), key: key}
}

// find returns the slot of k and its row, or the empty slot where k
// belongs and -1, and the tag of k.
func (m *keyRows) find(k string) (slot, row int, tag uint32) {
	h := maphash.String(m.seed, k)
	tag = uint32(h & 0xff) // the low bits: the slot comes from the high ones
	i, _ := bits.Mul64(h, uint64(len(m.slots)))
	for ; ; i++ {
		if i == uint64(len(m.slots)) {
			i = 0
		}
		s := m.slots[i]
		if s == 0 {
			return int(i), -1, tag
		}
		if s&0xff == tag {
			r := int(s >> 8)
			m.buf = m.key(m.buf[:0], r)
			if string(m.buf) == k {
				return int(i), r, tag
			}
		}
	}
}

// get returns the first row holding k.
func (m *keyRows) get(k string) (int, bool) {
	_, r, _ := m.find(k)
	return r, r >= 0
}

// add records row 1 ≤ r < maxKeyRows for k unless k has a row already; it
// reports whether it did. The table never holds more keys than it was
// sized for.
func (m *keyRows) add(k string, r int) bool {
	i, old, tag := m.find(k)
	if old >= 0 {
		return false
	}
	m.slots[i] = uint32(r)<<8 | tag
	return true
}

// indexKeys indexes rows 1 ≤ r < n by their key (key appends it to b);
// rows without a key are left out.
func indexKeys(n int, key func(b []byte, r int) []byte) *keyRows {
	m := newKeyRows(n, key)
	var b []byte
	for r := 1; r < n; r++ {
		if b = key(b[:0], r); len(b) > 0 {
			m.add(unsafe.String(&b[0], len(b)), r) // a view: add keeps the row, not the key
		}
	}
	return m
}

package sheets

import "hash/maphash"

// keyRows maps a key to the first row holding it. It is an open-addressing
// table of row numbers whose keys are read back from the snapshot when
// probed, instead of a map holding a string header and a word per row: a
// 100,000-row tab costs 1 MB here, over 3 MB as a map[string]int.
type keyRows struct {
	slots []int32 // a row number; 0 (the header row) marks an empty slot
	seed  maphash.Seed
	key   func(r int) string
}

// newKeyRows sizes the table for n keys (at most half full, so probes stay
// short); key returns the key of row r ≥ 1.
func newKeyRows(n int, key func(r int) string) *keyRows {
	size := 16
	for size < 2*n {
		size <<= 1
	}
	return &keyRows{slots: make([]int32, size), seed: maphash.MakeSeed(), key: key}
}

// find returns the slot of k and its row, or the empty slot where k
// belongs and -1.
func (m *keyRows) find(k string) (slot, row int) {
	mask := len(m.slots) - 1
	for i := int(maphash.String(m.seed, k)) & mask; ; i = (i + 1) & mask {
		r := m.slots[i]
		if r == 0 {
			return i, -1
		}
		if m.key(int(r)) == k {
			return i, int(r)
		}
	}
}

// get returns the first row holding k.
func (m *keyRows) get(k string) (int, bool) {
	_, r := m.find(k)
	return r, r >= 0
}

// add records row r ≥ 1 for k unless k has a row already; it reports
// whether it did. The table never holds more keys than it was sized for.
func (m *keyRows) add(k string, r int) bool {
	i, old := m.find(k)
	if old >= 0 {
		return false
	}
	m.slots[i] = int32(r)
	return true
}

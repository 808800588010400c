package sheets

import "testing"

// chunks must behave as a slice across chunk boundaries, truncated and
// grown again.
func TestChunks(t *testing.T) {
	var c chunks[uint32]
	var want []uint32
	check := func(step string) {
		t.Helper()
		if c.len() != len(want) {
			t.Fatalf("%s: len %d, want %d", step, c.len(), len(want))
		}
		for i, v := range want {
			if c.at(i) != v {
				t.Fatalf("%s: at(%d) = %d, want %d", step, i, c.at(i), v)
			}
		}
	}
	for i := range 3*chunkLen + 5 {
		c.push(uint32(i))
		want = append(want, uint32(i))
	}
	check("pushed")
	for _, n := range []int{3*chunkLen + 1, 2 * chunkLen, 2*chunkLen - 1, chunkLen + 7} {
		c.truncate(n)
		want = want[:n]
		check("truncated")
		for i := range chunkLen + 3 {
			c.push(uint32(1e6 + i))
			want = append(want, uint32(1e6+i))
		}
		c.set(n-1, 42)
		want[n-1] = 42
		check("grown again")
	}
	for i, a := range c.c[:len(c.c)-1] {
		if len(a) != chunkLen || cap(a) != chunkLen {
			t.Fatalf("chunk %d holds %d of %d: only the last chunk may be short", i, len(a), cap(a))
		}
	}
}

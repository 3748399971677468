package sample

import (
	"crypto/sha256"
	"fmt"
	"strconv"
	"testing"
)

// ticketKey must equal the first 19 digits of the full ticket.
func TestTicketKey(t *testing.T) {
	for i := range 2000 {
		sum := sha256.Sum256(fmt.Appendf(nil, "key test %d", i))
		full := digestTicket(sum)
		want, err := strconv.ParseUint(full[2:21], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		if got := ticketKey(&sum); got != want {
			t.Fatalf("ticketKey = %d, want %d (ticket %s)", got, want, full)
		}
	}
	// Small hashes, whose decimal form is short and zero-padded.
	for _, h := range []uint64{0, 1, 7, 1203, 10000, 123456789} {
		var sum [32]byte
		for i := range 8 {
			sum[31-i] = byte(h >> (8 * i))
		}
		full := digestTicket(sum)
		want, _ := strconv.ParseUint(full[2:21], 10, 64)
		if got := ticketKey(&sum); got != want {
			t.Errorf("ticketKey(%d) = %d, want %d (ticket %s)", h, got, want, full)
		}
	}
}

package ping

import (
	"testing"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// quote returns what an ICMP error quotes: an IPv4 header (or an IPv6 one)
// and the first 8 bytes of our echo request.
func quote(v6 bool, id, seq int) []byte {
	var b []byte
	if v6 {
		b = make([]byte, 40)
		b[0] = 0x60
	} else {
		b = make([]byte, 20)
		b[0] = 0x45
	}
	typ := byte(8)
	if v6 {
		typ = 128
	}
	return append(b, typ, 0, 0, 0, byte(id>>8), byte(id), byte(seq>>8), byte(seq))
}

func TestMatch(t *testing.T) {
	tests := []struct {
		name string
		m    icmp.Message
		v6   bool
		want uint32
		ok   bool
	}{
		{"reply", icmp.Message{Type: ipv4.ICMPTypeEchoReply, Body: &icmp.Echo{ID: 7, Seq: 9}}, false, Success, true},
		{"reply to another", icmp.Message{Type: ipv4.ICMPTypeEchoReply, Body: &icmp.Echo{ID: 7, Seq: 10}}, false, 0, false},
		{"request, not a reply", icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: 7, Seq: 9}}, false, 0, false},
		{"host unreachable", icmp.Message{Type: ipv4.ICMPTypeDestinationUnreachable, Code: 1, Body: &icmp.DstUnreach{Data: quote(false, 7, 9)}}, false, DestinationHostUnreachable, true},
		{"net unreachable", icmp.Message{Type: ipv4.ICMPTypeDestinationUnreachable, Code: 0, Body: &icmp.DstUnreach{Data: quote(false, 7, 9)}}, false, DestinationNetUnreachable, true},
		{"fragmentation needed", icmp.Message{Type: ipv4.ICMPTypeDestinationUnreachable, Code: 4, Body: &icmp.DstUnreach{Data: quote(false, 7, 9)}}, false, PacketTooBig, true},
		{"TTL expired", icmp.Message{Type: ipv4.ICMPTypeTimeExceeded, Body: &icmp.TimeExceeded{Data: quote(false, 7, 9)}}, false, TTLExpiredTransit, true},
		{"unreachable about another request", icmp.Message{Type: ipv4.ICMPTypeDestinationUnreachable, Code: 1, Body: &icmp.DstUnreach{Data: quote(false, 7, 8)}}, false, 0, false},
		{"v6 reply", icmp.Message{Type: ipv6.ICMPTypeEchoReply, Body: &icmp.Echo{ID: 7, Seq: 9}}, true, Success, true},
		{"v6 hop limit", icmp.Message{Type: ipv6.ICMPTypeTimeExceeded, Body: &icmp.TimeExceeded{Data: quote(true, 7, 9)}}, true, TTLExpiredTransit, true},
		{"v6 too big", icmp.Message{Type: ipv6.ICMPTypePacketTooBig, Body: &icmp.PacketTooBig{Data: quote(true, 7, 9)}}, true, PacketTooBig, true},
		{"v6 port unreachable", icmp.Message{Type: ipv6.ICMPTypeDestinationUnreachable, Code: 4, Body: &icmp.DstUnreach{Data: quote(true, 7, 9)}}, true, DestinationPortUnreachable, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := match(&tt.m, 7, 9, true, tt.v6)
			if got != tt.want || ok != tt.ok {
				t.Errorf("match = %d, %v; want %d, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

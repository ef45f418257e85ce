package repository

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gowmi/gowmi/cim"
)

// The crash test: a child process (this test binary, re-executed with
// crashChildEnv naming the repository file) commits batches of instances in
// a loop and prints "ack N" after each commit returns. The parent kills it
// with SIGKILL at a random moment, reopens the file and checks that every
// acknowledged batch is there, whole, and that nothing else is: at most the
// batch in flight may have committed, and then completely.
const crashChildEnv = "GOWMI_REPOSITORY_CRASH_CHILD"

// Batch b writes instances Id = b*16 + j for j < batchSize(b), sets the
// Counter singleton to b and, when b%5 == 0, deletes the first instance of
// batch b-1 and rewrites the second one of batch b-2.
func batchSize(b int) int { return 1 + b%7 }

func payload(b, j int, rewritten bool) string {
	n := (b*131 + j*977) % 6000 // up to ~6 KB: page splits and overflow pages
	c := byte('a' + (b+j)%26)
	s := strings.Repeat(string(c), n) + fmt.Sprintf("#%d.%d", b, j)
	if rewritten {
		s = "rewritten " + s
	}
	return s
}

func crashSchema(tx Tx) error {
	if err := tx.PutClass("root", newClass("Crash", "", nil, kprop("Id", cim.TypeUint32),
		prop("Batch", cim.TypeUint32), prop("Payload", cim.TypeString), prop("Data", cim.TypeUint8.ArrayOf())), 0); err != nil {
		return err
	}
	return tx.PutClass("root", newClass("Counter", "", cim.Qualifiers{qSingle}, prop("Last", cim.TypeSint32)), 0)
}

func lastBatch(tx Tx) (int, error) {
	c, err := tx.GetInstance("root", cim.Path{Class: "Counter", Singleton: true})
	if err != nil {
		return -1, nil
	}
	n, _ := c.Value("Last").Int()
	return int(n), nil
}

func crashInstance(c *cim.Class, b, j int, rewritten bool) *cim.Instance {
	inst := c.MustSpawn()
	inst.MustPut("Id", cim.Uint32(uint32(b*16+j)))
	inst.MustPut("Batch", cim.Uint32(uint32(b)))
	inst.MustPut("Payload", cim.String(payload(b, j, rewritten)))
	data := make([]cim.Value, j+b%3)
	for k := range data {
		data[k] = cim.Uint8(uint8(b + k))
	}
	inst.MustPut("Data", cim.MustArray(cim.TypeUint8, data...))
	return inst
}

func writeBatch(tx Tx, b int) error {
	c, err := tx.GetClass("root", "Crash")
	if err != nil {
		return err
	}
	for j := range batchSize(b) {
		if err := tx.PutInstance("root", crashInstance(c, b, j, false), 0); err != nil {
			return err
		}
	}
	if b%5 == 0 && b >= 2 {
		if err := tx.DeleteInstance("root", cim.Path{Class: "Crash", Keys: []cim.KeyBinding{{Name: "Id", Value: cim.Uint32(uint32((b - 1) * 16))}}}); err != nil {
			return err
		}
		if batchSize(b-2) > 1 {
			if err := tx.PutInstance("root", crashInstance(c, b-2, 1, true), FlagUpdateOnly); err != nil {
				return err
			}
		}
	}
	counter, err := tx.GetClass("root", "Counter")
	if err != nil {
		return err
	}
	return tx.PutInstance("root", counter.MustSpawn().MustPut("Last", cim.Sint32(int32(b))), 0)
}

// crashChild runs in the child process and never returns normally.
func crashChild() {
	s, err := Open(os.Getenv(crashChildEnv), &Options{Timeout: 10 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	var b int
	if err := s.View(ctx, func(tx Tx) error { var err error; b, err = lastBatch(tx); return err }); err != nil {
		fmt.Fprintln(os.Stderr, "view:", err)
		os.Exit(2)
	}
	for b++; ; b++ {
		if err := s.Update(ctx, func(tx Tx) error { return writeBatch(tx, b) }); err != nil {
			fmt.Fprintln(os.Stderr, "update:", err)
			os.Exit(2)
		}
		// The acknowledgement goes out only once Update has returned.
		if _, err := fmt.Fprintf(os.Stdout, "ack %d\n", b); err != nil {
			os.Exit(3)
		}
	}
}

// expectCrashState returns the payload of every instance id after batches
// 0..last.
func expectCrashState(last int) map[uint32]string {
	want := map[uint32]string{}
	for b := 0; b <= last; b++ {
		for j := range batchSize(b) {
			want[uint32(b*16+j)] = payload(b, j, false)
		}
		if b%5 == 0 && b >= 2 {
			delete(want, uint32((b-1)*16))
			if batchSize(b-2) > 1 {
				want[uint32((b-2)*16+1)] = payload(b-2, 1, true)
			}
		}
	}
	return want
}

func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	file := filepath.Join(t.TempDir(), "crash.db")
	s, err := Open(file, nil)
	noErr(t, err)
	update(t, s, func(tx Tx) error {
		if err := crashSchema(tx); err != nil {
			return err
		}
		return writeBatch(tx, 0)
	})
	noErr(t, s.Close())

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	const rounds = 6
	totalAcked := 0
	for round := range rounds {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+file)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		noErr(t, err)
		noErr(t, cmd.Start())
		acks := make(chan int, 1<<16)
		go func() {
			defer close(acks)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if n, err := strconv.Atoi(strings.TrimPrefix(sc.Text(), "ack ")); err == nil {
					acks <- n
				}
			}
		}()
		// Let it commit for a while, then kill it at a random moment.
		maxAck, first := -1, true
		deadline := time.After(30 * time.Second)
		var kill <-chan time.Time
	wait:
		for {
			select {
			case n, ok := <-acks:
				if !ok {
					t.Fatalf("round %d: the child stopped by itself", round)
				}
				maxAck = n
				if first {
					first = false
					kill = time.After(time.Duration(5+rng.IntN(300)) * time.Millisecond)
				}
			case <-kill:
				break wait
			case <-deadline:
				cmd.Process.Kill()
				t.Fatalf("round %d: no acknowledgement in 30 s", round)
			}
		}
		noErr(t, cmd.Process.Kill()) // SIGKILL
		for n := range acks {        // acknowledgements still in the pipe
			maxAck = n
		}
		_ = cmd.Wait()

		s, err := Open(file, &Options{Timeout: 10 * time.Second})
		noErr(t, err)
		// bbolt's own consistency check of the file.
		noErr(t, s.db.View(func(btx *bolt.Tx) error {
			for err := range btx.Check() {
				t.Errorf("round %d: bbolt check: %v", round, err)
			}
			return nil
		}))
		var last int
		got := map[uint32]string{}
		view(t, s, func(tx Tx) error {
			var err error
			if last, err = lastBatch(tx); err != nil {
				return err
			}
			return tx.Instances("root", "Crash", false, func(i *cim.Instance) error {
				id, _ := i.Value("Id").Uint()
				p, _ := i.Value("Payload").Str()
				b, _ := i.Value("Batch").Uint()
				data, _ := i.Value("Data").Array()
				j := int(id) % 16
				if int(b) != int(id)/16 || len(data) != j+int(b)%3 {
					t.Errorf("round %d: instance %d is inconsistent: batch %d, %d data", round, id, b, len(data))
				}
				got[uint32(id)] = p
				return nil
			})
		})
		noErr(t, s.Close())
		if last < maxAck || last > maxAck+1 {
			t.Fatalf("round %d: acknowledged up to batch %d, the repository holds up to %d", round, maxAck, last)
		}
		want := expectCrashState(last)
		if len(got) != len(want) {
			t.Errorf("round %d: %d instances, want %d", round, len(got), len(want))
		}
		for id, p := range want {
			if got[id] != p {
				t.Fatalf("round %d: instance %d: payload of %d bytes, want %d", round, id, len(got[id]), len(p))
			}
		}
		t.Logf("round %d: killed after ack %d; repository at batch %d (%d instances)", round, maxAck, last, len(got))
		totalAcked = maxAck
	}
	if totalAcked < rounds {
		t.Errorf("only %d batches acknowledged in %d rounds", totalAcked, rounds)
	}
}

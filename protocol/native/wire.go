package native

import (
	"context"
	"errors"
	"io"
	"time"

	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/protocol/native/pb"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// sessionKey is the metadata key naming a call's session.
const sessionKey = "gowmi-session"

// maxBatchBytes bounds the objects of one CallEvent, so that the message
// fits the 32 KiB buffers of gRPC's pool: a larger one takes a 1 MiB
// buffer, which gRPC clears at each use. maxMessage is the largest gRPC
// message either side accepts.
const (
	maxBatchBytes = 32<<10 - 64
	maxMessage    = 256 << 20
)

// pbStatus returns the Status of an outcome: hr and, for an error, its
// fields.
func pbStatus(err error) *pb.Status {
	if err == nil {
		return &pb.Status{}
	}
	e := status.From(err)
	return &pb.Status{Hr: uint32(e.Code), Error: &pb.Error{Code: uint32(e.Code), Operation: e.Operation,
		Parameter: e.ParameterInfo, Provider: e.ProviderName, Description: e.Description}}
}

// statusErr returns the error a Status reports: nil for WBEM_S_NO_ERROR,
// an *status.Error otherwise (WBEM_S_FALSE and WBEM_S_TIMEDOUT too, as the
// object manager returns them).
func statusErr(st *pb.Status) error {
	if st == nil {
		return nil
	}
	if e := st.GetError(); e != nil {
		return &status.Error{Code: status.Code(e.Code), Operation: e.Operation, ParameterInfo: e.Parameter,
			ProviderName: e.Provider, Description: e.Description}
	}
	if st.Hr != 0 {
		return &status.Error{Code: status.Code(st.Hr)}
	}
	return nil
}

// transportErr turns a gRPC error into the transport code a remote client
// sees (DESIGN.md §3 rule 11).
func transportErr(err error) error {
	if err == nil {
		return nil
	}
	var se *status.Error
	if errors.As(err, &se) {
		return err
	}
	if errors.Is(err, io.EOF) {
		return &status.Error{Code: status.RPCDisconnected, Description: "the server closed the stream", Err: err}
	}
	st, ok := grpcstatus.FromError(err)
	if !ok {
		if errors.Is(err, context.Canceled) {
			return status.Wrap(status.CallCancelled, err)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return status.Wrap(status.TimedOut, err)
		}
		return &status.Error{Code: status.RPCDisconnected, Description: err.Error(), Err: err}
	}
	code := status.RPCDisconnected
	switch st.Code() {
	case codes.Canceled:
		code = status.CallCancelled
	case codes.DeadlineExceeded:
		code = status.TimedOut
	case codes.Unauthenticated:
		code = status.AccessDenied
	case codes.PermissionDenied:
		code = status.EAccessDenied
	case codes.ResourceExhausted:
		code = status.QuotaViolation
	case codes.Unimplemented:
		code = status.NotSupported
	case codes.Internal, codes.Unknown:
		code = status.RPCServerFault
	}
	return &status.Error{Code: code, Description: st.Message(), Err: err}
}

// timeoutMS and fromMS carry a wbem timeout: -1 is WBEM_INFINITE.
func timeoutMS(d time.Duration) int64 {
	if d < 0 {
		return -1
	}
	ms := d.Milliseconds()
	if ms == 0 && d > 0 {
		ms = 1
	}
	return ms
}

func fromMS(ms int64) time.Duration {
	if ms < 0 {
		return wbem.Infinite
	}
	return time.Duration(ms) * time.Millisecond
}

// decodeInstance reads an optional instance.
func decodeInstance(b []byte) (*cim.Instance, error) {
	o, err := DecodeObject(b)
	if err != nil || o == nil {
		return nil, err
	}
	i, ok := o.(*cim.Instance)
	if !ok {
		return nil, status.New(status.InvalidParameter, "an instance was expected, a class came")
	}
	return i, nil
}

func decodeClass(b []byte) (*cim.Class, error) {
	o, err := DecodeObject(b)
	if err != nil {
		return nil, err
	}
	c, ok := o.(*cim.Class)
	if !ok {
		return nil, status.New(status.InvalidParameter, "a class was expected")
	}
	return c, nil
}

// encodeInstance encodes an optional instance.
func encodeInstance(i *cim.Instance) ([]byte, error) {
	if i == nil {
		return nil, nil
	}
	return EncodeObject(i)
}

func flagsOf(f int32) wbem.Flags { return wbem.Flags(f) }

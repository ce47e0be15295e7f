// Command kratos-client calls the helloworld service with the real Kratos Go
// clients (transport/http and transport/grpc of github.com/go-kratos/kratos/v2),
// the way a Kratos Go service generated from api/helloworld/v1/greeter.proto
// would call it. test/kratos-client.test.ts runs it against the TypeScript
// server and asserts its output.
//
// Each mode makes one call and prints one line on stdout:
//
//	http-json:  GET /helloworld/{name}, the reply decoded as JSON (kratos's default)
//	http-proto: GET /helloworld/{name} with Accept: application/proto, the reply
//	            decoded by the codec kratos picks from the response Content-Type
//	http-error: GET of an unknown route, the body decoded into a kratos *errors.Error
//	grpc:       helloworld.v1.Greeter/SayHello over an insecure kratos gRPC connection
//
// A failed call prints "<mode>: <error>" on stderr; the exit code is 1 when any
// call failed and 2 on bad flags.
package main

import (
	"context"
	"flag"
	"fmt"
	nethttp "net/http"
	"os"
	"strings"
	"time"

	"github.com/go-kratos/kratos/v2/errors"
	"github.com/go-kratos/kratos/v2/transport/grpc"
	"github.com/go-kratos/kratos/v2/transport/http"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

const allModes = "http-json,http-proto,http-error,grpc"

// The messages of api/helloworld/v1/greeter.proto, built at run time from a
// hand-written descriptor so that no protoc-generated Go code is needed. A
// dynamicpb message is a proto.Message, so kratos's json and proto codecs and
// grpc-go's proto codec handle it as they handle generated types.
var helloRequest, helloReply protoreflect.MessageDescriptor

func init() {
	stringField := func(name string) *descriptorpb.FieldDescriptorProto {
		return &descriptorpb.FieldDescriptorProto{
			Name:     &name,
			JsonName: &name,
			Number:   ptr(int32(1)),
			Label:    descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(),
			Type:     descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(),
		}
	}
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name:    ptr("helloworld/v1/greeter.proto"),
		Package: ptr("helloworld.v1"),
		Syntax:  ptr("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{
			{Name: ptr("HelloRequest"), Field: []*descriptorpb.FieldDescriptorProto{stringField("name")}},
			{Name: ptr("HelloReply"), Field: []*descriptorpb.FieldDescriptorProto{stringField("message")}},
		},
	}, nil)
	if err != nil {
		panic(err)
	}
	helloRequest = fd.Messages().ByName("HelloRequest")
	helloReply = fd.Messages().ByName("HelloReply")
}

func ptr[T any](v T) *T { return &v }

// field returns the string field of a HelloRequest or HelloReply.
func field(m *dynamicpb.Message, name protoreflect.Name) string {
	return m.Get(m.Descriptor().Fields().ByName(name)).String()
}

func newHTTPClient(ctx context.Context, endpoint string) (*http.Client, error) {
	return http.NewClient(ctx, http.WithEndpoint(endpoint), http.WithTimeout(5*time.Second))
}

// sayHelloHTTP calls GET /helloworld/{name} as the kratos-generated
// GreeterHTTPClient does, with extra request headers when given.
func sayHelloHTTP(ctx context.Context, endpoint, name string, header nethttp.Header) (string, error) {
	conn, err := newHTTPClient(ctx, endpoint)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	opts := []http.CallOption{
		http.Operation("/helloworld.v1.Greeter/SayHello"),
		http.PathTemplate("/helloworld/{name}"),
	}
	if header != nil {
		// http.Header makes the client send these headers and, after the
		// call, replaces them with the response headers.
		opts = append(opts, http.Header(&header))
	}
	reply := dynamicpb.NewMessage(helloReply)
	if err := conn.Invoke(ctx, "GET", "/helloworld/"+name, nil, reply, opts...); err != nil {
		return "", err
	}
	return field(reply, "message"), nil
}

func run(ctx context.Context, mode, httpEndpoint, grpcEndpoint, name string) (string, error) {
	switch mode {
	case "http-json":
		return sayHelloHTTP(ctx, httpEndpoint, name, nil)
	case "http-proto":
		// Kratos's server picks the response codec from the Accept header's
		// subtype ("proto" is the name of encoding/proto's codec) and its
		// client picks the decoding codec from the response Content-Type's
		// subtype, falling back to json.
		return sayHelloHTTP(ctx, httpEndpoint, name, nethttp.Header{"Accept": {"application/proto"}})
	case "http-error":
		conn, err := newHTTPClient(ctx, httpEndpoint)
		if err != nil {
			return "", err
		}
		defer conn.Close()
		err = conn.Invoke(ctx, "GET", "/helloworld/"+name+"/no-such-route", nil, dynamicpb.NewMessage(helloReply))
		if err == nil {
			return "", fmt.Errorf("an unknown route answered 2xx")
		}
		se := errors.FromError(err)
		return fmt.Sprintf("%d %s", se.Code, se.Reason), nil
	case "grpc":
		conn, err := grpc.DialInsecure(ctx, grpc.WithEndpoint(grpcEndpoint), grpc.WithTimeout(5*time.Second))
		if err != nil {
			return "", err
		}
		defer conn.Close()
		req := dynamicpb.NewMessage(helloRequest)
		req.Set(helloRequest.Fields().ByName("name"), protoreflect.ValueOfString(name))
		reply := dynamicpb.NewMessage(helloReply)
		if err := conn.Invoke(ctx, "/helloworld.v1.Greeter/SayHello", req, reply); err != nil {
			return "", err
		}
		return field(reply, "message"), nil
	}
	return "", fmt.Errorf("unknown mode")
}

func main() {
	httpEndpoint := flag.String("http", "127.0.0.1:8000", "host:port of the HTTP server")
	grpcEndpoint := flag.String("grpc", "127.0.0.1:9000", "host:port of the gRPC server")
	name := flag.String("name", "kratos", "the name to greet")
	modes := flag.String("mode", allModes, "comma-separated calls to make: "+allModes)
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "unexpected arguments: %v\n", flag.Args())
		os.Exit(2)
	}
	for _, mode := range strings.Split(*modes, ",") {
		if !strings.Contains(","+allModes+",", ","+mode+",") {
			fmt.Fprintf(os.Stderr, "unknown mode %q; want some of %s\n", mode, allModes)
			os.Exit(2)
		}
	}

	failed := false
	for _, mode := range strings.Split(*modes, ",") {
		out, err := run(context.Background(), mode, *httpEndpoint, *grpcEndpoint, *name)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", mode, err)
			failed = true
			continue
		}
		fmt.Printf("%s: %s\n", mode, out)
	}
	if failed {
		os.Exit(1)
	}
}

"""The Open Inference Protocol (V2) over gRPC, beside the REST routes and on the same data plane.

``modelport serve ... --grpc-port 8081`` starts it in the serving process: ``inference.proto``
(compiled to ``inference.desc``) defines the wire, ``messages`` makes its classes at run time,
``tensors`` turns messages into the decoded tensors the REST route also uses, and ``service``
answers the protocol's calls with the same model plans, validation and runtime. Nothing here is
imported unless gRPC is asked for.
"""

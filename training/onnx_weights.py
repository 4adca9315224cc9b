"""Rewriting an ONNX graph's stored weights: new initializers, and the nodes that turn them back
into the tensors the rest of the graph reads, placed first (half_weights, quantize)."""


def replace_weights(graph, initializers, first_nodes):
    """`graph` with `initializers` as its weights and `first_nodes` run before its own nodes."""
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(list(first_nodes) + nodes)

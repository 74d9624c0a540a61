"""Face engines (detector + recognizer pairs) behind kernel.ports.FaceEngine.

One module per engine (`yunet_sface`, `insightface_engine`) over shared pieces (alignment, model
fixing, onnxruntime sessions, quality). `jikimi.registry` picks the engine named by
`faces.engine` and keeps each loaded configuration, so models are read and optimised once.
"""

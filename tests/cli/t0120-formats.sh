#!/bin/sh
# t0120 - checkpoint formats recognised by their bytes but not read yet
# (GGUF, ONNX, TensorFlow and Keras HDF5, Keras archives, Flax msgpack,
# plain text): inspect names the format; ingest counts such a folder as
# failed with the reason, so a cron job can tell.
. "${0%/*}/lib.sh"
M=$T/m
python3 - "$M" <<'EOF'
import os, struct, sys, zipfile
m = sys.argv[1]
def put(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
hdf5 = b"\x89HDF\r\n\x1a\n"
put(m + "/gguf/model.gguf", b"GGUF" + struct.pack("<IQQ", 3, 0, 0))
put(m + "/onnx/model.onnx", bytes([8, 7, 0x12, 7]) + b"pytorch" + b"\x1a\x031.0")
put(m + "/tf/tf_model.h5", hdf5 + bytes(100))
put(m + "/keras-h5/weights.h5", bytes(512) + hdf5 + bytes(64))
os.makedirs(m + "/keras")
with zipfile.ZipFile(m + "/keras/model.keras", "w") as z:
    z.writestr("metadata.json", '{"keras_version": "3.0.0"}')
    z.writestr("config.json", '{"class_name": "Sequential"}')
    z.writestr("model.weights.h5", hdf5 + bytes(64))
put(m + "/flax/flax_model.msgpack", b"\x81\xa6params\x81\xa5dense\x80")
put(m + "/empty-gguf/model.gguf", b"")
# Bytes of one format under another format's name.
put(m + "/files/gguf-named.safetensors", b"GGUF" + struct.pack("<IQQ", 3, 0, 0))
put(m + "/files/notes.bin", "plain words, ünïcode too\n".encode())
EOF

# inspect: the format, by its bytes.
fails 1 "$ZX" inspect "$M/gguf/model.gguf"
one_line "$T/err"
grep_ok "model.gguf' is a GGUF file \(llama.cpp\), a format not supported yet" "$T/err"
fails 1 "$ZX" inspect "$M/onnx/model.onnx"
grep_ok "is an ONNX model, a format not supported yet" "$T/err"
fails 1 "$ZX" inspect "$M/tf/tf_model.h5"
grep_ok "is TensorFlow weights in HDF5 \(tf_model.h5\)" "$T/err"
fails 1 "$ZX" inspect "$M/keras-h5/weights.h5"
grep_ok "is an HDF5 file \(Keras or TensorFlow weights\)" "$T/err"
fails 1 "$ZX" inspect "$M/keras/model.keras"
grep_ok "is a Keras model archive" "$T/err"
fails 1 "$ZX" inspect "$M/flax/flax_model.msgpack"
grep_ok "is Flax weights in msgpack" "$T/err"
fails 1 "$ZX" inspect "$M/files/gguf-named.safetensors"
grep_ok "gguf-named.safetensors' is a GGUF file" "$T/err"
fails 1 "$ZX" inspect "$M/files/notes.bin"
grep_ok "notes.bin' is plain text, not a checkpoint" "$T/err"
fails 1 "$ZX" inspect "$M/gguf"
grep_ok "'.*/gguf' has no weights zoodex reads: .* is a GGUF file" "$T/err"
fails 1 "$ZX" inspect "$M/empty-gguf"
grep_ok "holds 'model.gguf', a GGUF file, which is not supported yet" "$T/err"

# ingest: each such folder is one failed model, with the reason.
for d in gguf onnx tf keras-h5 keras flax; do
    fails 1 "$ZX" --db "$DB" ingest "$M/$d"
    grep_ok '^1 model: 0 new, 0 updated, 0 unchanged, 1 failed$' "$T/out"
    grep_ok "not supported yet" "$T/err"
done
fails 1 "$ZX" --db "$DB" ingest --json "$M"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
# 8 folders: the six formats, the empty model.gguf, and files/ (whose
# lone .safetensors is GGUF inside)
assert d["found"] == 8 and d["failed"] == 8 and d["new"] == 0, d
why = " ".join(f["error"] for f in d["failures"])
for w in ("GGUF", "ONNX", "TensorFlow", "HDF5", "Keras model archive",
          "Flax"):
    assert w in why, w
' "$T/out"
check test $? -eq 0
# With a model zoodex reads next to them: partial success, status 3.
cp -r "$ZOO/zoodex-demo/tinybert-base" "$M/tinybert-base"
fails 3 "$ZX" --db "$DB" ingest "$M"
grep_ok '^9 models: 1 new, 0 updated, 0 unchanged, 8 failed$' "$T/out"

# Checkpoints it reads are still read, whatever they start with.
R=$ZX_SHARED/fixtures/real/pitloom
if [ -d "$R" ]; then
    ok "$ZX" inspect "$R/pytorch/example-model.pth"
    ok "$ZX" inspect "$R/safetensors/phi-tiny-random.safetensors"
    fails 1 "$ZX" inspect "$R/gguf/stories260K.gguf"
    grep_ok "is a GGUF file" "$T/err"
    grep_not "header length" "$T/err"
    for f in "$R"/onnx/*.onnx; do
        fails 1 "$ZX" inspect "$f"
        grep_ok "is an ONNX model" "$T/err"
    done
    fails 1 "$ZX" --db "$T/real" ingest "$R/gguf"
    grep_ok '^1 model: .* 1 failed$' "$T/out"
else
    echo "t0120: no $R: the real GGUF and ONNX files are not tried" >&2
fi
ok "$ZX" inspect "$ZOO/zoodex-demo/tinybert-base/model.safetensors"
done_testing

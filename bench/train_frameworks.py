#!/usr/bin/env python3
"""Train the seed's model with PyTorch or TensorFlow-Keras (CPU) on the exact windows
edgelstm prepared (`edgelstm train ... --export-windows FILE`), for bench/bench_train.sh.

    train_frameworks.py --windows W.bin --framework torch|keras|tf_keras --mode speed|quality
                        [--epochs E] [--batch 32] [--units 128] [--lr 0.001]
                        [--patience 5] [--threads 2] [--seed 42]

`keras` is the Keras that `tf.keras` gives with TensorFlow >= 2.16 (Keras 3); `tf_keras` is
legacy Keras 2 (`TF_USE_LEGACY_KERAS=1`), the Keras of the seed's notebook.

Every framework gets the same model (LSTM(units) + Dense(1) on the last step), loss
(MSE), optimizer (Adam, lr 0.001, epsilon 1e-7), batch size, shuffling each epoch,
validation every epoch and early stopping on val_loss with the best weights restored.
PyTorch is given Keras's initializers (Glorot-uniform input kernel, orthogonal
recurrent kernel, zero biases with forget-gate bias 1) and one bias vector per gate (its
second, `bias_hh`, is frozen at zero) so that the frameworks train the same model.

speed:   trains `--epochs` epochs (default 2) and prints the windows per second of the
         fastest epoch (the first includes graph building / warm-up).
quality: trains up to `--epochs` (default 20) with early stopping, then prints test
         MAE and RMSE in the target's units and the persistence baseline on the same
         windows.
Output: one JSON object on the last line.
"""
import argparse
import json
import os
import sys
import time

import numpy as np


def load_windows(path):
    with open(path, "rb") as f:
        head = f.readline().decode().split()
        if head[0] != "ELSTMWIN1":
            sys.exit(f"{path}: not an edgelstm windows file")
        rows, n_in, steps, horizon = (int(v) for v in head[1:5])
        counts = [int(v) for v in head[5:8]]
        tmin, tmax = float(head[8]), float(head[9])
        x = np.frombuffer(f.read(4 * rows * n_in), dtype="<f4").reshape(rows, n_in)
        y = np.frombuffer(f.read(4 * rows), dtype="<f4")
        starts = [np.frombuffer(f.read(8 * c), dtype="<i8") for c in counts]
    return dict(x=x, y=y, steps=steps, horizon=horizon, starts=starts, tmin=tmin, tmax=tmax)


def make_xy(w, split):
    s = w["starts"][split]
    idx = s[:, None] + np.arange(w["steps"])[None, :]
    X = np.ascontiguousarray(w["x"][idx], dtype=np.float32)             # [n][T][I]
    tr = s + w["steps"] - 1 + w["horizon"]
    Y = np.ascontiguousarray(w["y"][tr], dtype=np.float32).reshape(-1, 1)
    last = np.ascontiguousarray(w["y"][s + w["steps"] - 1], dtype=np.float32).reshape(-1, 1)
    return X, Y, last


def denorm(v, w):
    return v.astype(np.float64) * (w["tmax"] - w["tmin"]) + w["tmin"]


def errors(pred, act):
    e = pred - act
    return float(np.mean(np.abs(e))), float(np.sqrt(np.mean(e * e)))


def run_torch(a, Xtr, Ytr, Xva, Yva, Xte):
    import torch
    a.version = "torch %s" % torch.__version__
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(a.threads)
    torch.manual_seed(a.seed)
    n_in, N = Xtr.shape[2], a.units

    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = torch.nn.LSTM(n_in, N, batch_first=True)
            self.dense = torch.nn.Linear(N, 1)
            with torch.no_grad():
                torch.nn.init.xavier_uniform_(self.lstm.weight_ih_l0)       # fan (I, 4N)
                wh = torch.empty(4 * N, N)
                torch.nn.init.orthogonal_(wh)
                self.lstm.weight_hh_l0.copy_(wh)
                self.lstm.bias_ih_l0.zero_()
                self.lstm.bias_ih_l0[N:2 * N] = 1.0
                self.lstm.bias_hh_l0.zero_()
                torch.nn.init.xavier_uniform_(self.dense.weight)
                self.dense.bias.zero_()
            self.lstm.bias_hh_l0.requires_grad_(False)      # Keras has one bias per gate

        def forward(self, x):
            h, _ = self.lstm(x)
            return self.dense(h[:, -1, :])

    model = M()
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=a.lr, eps=1e-7)
    lossf = torch.nn.MSELoss()
    Xtr_t, Ytr_t = torch.from_numpy(Xtr), torch.from_numpy(Ytr)
    Xva_t, Yva_t = torch.from_numpy(Xva), torch.from_numpy(Yva)
    gen = torch.Generator().manual_seed(a.seed)

    def predict(X):
        model.eval()
        out = []
        with torch.no_grad():
            for i in range(0, len(X), 256):
                out.append(model(torch.from_numpy(X[i:i + 256])).numpy())
        model.train()
        return np.concatenate(out) if out else np.zeros((0, 1), np.float32)

    best, best_state, best_epoch, wait, times = float("inf"), None, 0, 0, []
    for epoch in range(1, a.epochs + 1):
        t0 = time.perf_counter()
        perm = torch.randperm(len(Xtr_t), generator=gen)
        for i in range(0, len(perm), a.batch):
            b = perm[i:i + a.batch]
            opt.zero_grad()
            loss = lossf(model(Xtr_t[b]), Ytr_t[b])
            loss.backward()
            opt.step()
        val = float(np.mean((predict(Xva) - Yva) ** 2)) if len(Xva) else float(loss)
        times.append(time.perf_counter() - t0)
        print(f"torch epoch {epoch}: {times[-1]:.1f}s val_loss {val:.6g}", file=sys.stderr, flush=True)
        if val < best:
            best, best_epoch, wait = val, epoch, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            wait += 1
            if a.patience and wait >= a.patience:
                break
    model.load_state_dict(best_state)
    return times, best_epoch, best, predict(Xte)


def run_keras(a, Xtr, Ytr, Xva, Yva, Xte):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if a.framework == "tf_keras":
        os.environ["TF_USE_LEGACY_KERAS"] = "1"         # before TensorFlow is imported
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(a.threads)
    tf.config.threading.set_inter_op_parallelism_threads(a.threads)
    tf.keras.utils.set_random_seed(a.seed)
    keras = tf.keras
    import importlib.metadata
    a.version = "tensorflow %s, %s %s" % (tf.__version__, a.framework,
                                          importlib.metadata.version("tf_keras" if a.framework == "tf_keras" else "keras"))
    model = keras.Sequential([keras.Input(shape=Xtr.shape[1:]), keras.layers.LSTM(a.units), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=a.lr, epsilon=1e-7), loss="mse")

    class Timer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.times = []

        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self.t0)

    timer = Timer()
    cbs = [timer, keras.callbacks.EarlyStopping(monitor="val_loss", patience=a.patience or 10**9,
                                                restore_best_weights=True)]
    hist = model.fit(Xtr, Ytr, batch_size=a.batch, epochs=a.epochs, validation_data=(Xva, Yva),
                     shuffle=True, callbacks=cbs, verbose=2)
    vals = hist.history["val_loss"]
    best_epoch = int(np.argmin(vals)) + 1
    pred = model.predict(Xte, batch_size=256, verbose=0)
    return timer.times, best_epoch, float(min(vals)), pred


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--windows", required=True)
    p.add_argument("--framework", choices=["torch", "keras", "tf_keras"], required=True)
    p.add_argument("--mode", choices=["speed", "quality"], required=True)
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--units", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.001)
    p.add_argument("--patience", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args()
    if a.epochs is None:
        a.epochs = 2 if a.mode == "speed" else 20
    if a.mode == "speed":
        a.patience = 0
    w = load_windows(a.windows)
    Xtr, Ytr, _ = make_xy(w, 0)
    Xva, Yva, _ = make_xy(w, 1)
    Xte, Yte, last = make_xy(w, 2)
    run = run_torch if a.framework == "torch" else run_keras
    times, best_epoch, best_val, pred = run(a, Xtr, Ytr, Xva, Yva, Xte)
    out = dict(framework=a.framework, version=a.version, mode=a.mode, epochs_run=len(times), epoch_seconds=times,
               windows_per_second=len(Xtr) / min(times), train_windows=len(Xtr))
    if a.mode == "quality":
        act = denorm(Yte, w)
        mae, rmse = errors(denorm(pred, w), act)
        pm, pr = errors(denorm(last, w), act)
        out.update(best_epoch=best_epoch, val_loss=best_val, test_n=len(Xte), test_mae=mae, test_rmse=rmse,
                   persistence_mae=pm, persistence_rmse=pr)
    print(json.dumps(out))


if __name__ == "__main__":
    main()

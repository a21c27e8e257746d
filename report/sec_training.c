/* sec_training.c - "Training": loss and validation loss per epoch (log scale) with the best
 * epoch and early stopping marked, and the learning rate, from the model's training record. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Epochs 1..n with half an epoch of room on each side, ticks on whole epochs. */
static void epoch_axis(plot *p, int n)
{
    plot_x(p, SCALE_LINEAR, 0.5, (n > 1 ? n : 2) + 0.5, "epoch"); /* one epoch: still two ticks */
    p->xexact = 1;
    p->xstep = fmax(1.0, nice_step(n, 10));
}

static void summary(report_ctx *c, const elstm_meta_training *t)
{
    rbuf *b = c->b;
    char lr[32], bl[32];
    rb_printf(b, "<p>%d epoch%s of at most %d, batches of %d windows, Adam with learning rate %s, seed %llu, "
                 "%d thread%s. ", t->epochs_run, t->epochs_run == 1 ? "" : "s", t->epochs, t->batch,
              fmt_g(t->lr, 6, lr, sizeof lr), (unsigned long long)t->seed, t->threads, t->threads == 1 ? "" : "s");
    if (t->early_stopped)
        rb_printf(b, "Early stopping (patience %d) ended the run: %s had not improved since epoch %d. ", t->patience,
                  t->monitor, t->best_epoch);
    else if (t->epochs_run >= t->epochs)
        rb_printf(b, "The run used every epoch%s. ", t->patience > 0 ? " (early stopping did not trigger)" : "");
    rb_printf(b, "The file holds the weights of epoch %d, the best %s (%s).</p>\n", t->best_epoch, t->monitor,
              fmt_sig(t->best_loss, 4, bl, sizeof bl));
}

static void loss_plot(report_ctx *c, const elstm_meta_training *t, const double *ep, const double *loss,
                      const double *val, int n)
{
    double lo = NAN, hi = NAN, a, z;
    range_of(loss, (size_t)n, &lo, &hi);
    range_of(val, (size_t)n, &a, &z);
    if (a < lo || !isfinite(lo)) lo = a;
    if (z > hi || !isfinite(hi)) hi = z;
    int has_val = isfinite(a);
    plot p;
    plot_begin(&p, c->b, "loss", "Training and validation loss per epoch (normalized mean squared error, log scale)",
               PLOT_W, 340);
    epoch_axis(&p, t->epochs_run);
    plot_y(&p, SCALE_LOG, lo * 0.8, hi * 1.25, "loss (MSE of the scaled target, log scale)");
    plot_key(&p, n <= 80 ? KEY_DOT : KEY_LINE, "loss", "training loss (mean over the epoch)");
    if (has_val) plot_key(&p, n <= 80 ? KEY_DOT : KEY_LINE, "val", "validation loss (after the epoch)");
    plot_key(&p, KEY_RULE, "best", "best epoch (its weights are in the file)");
    if (t->early_stopped) plot_key(&p, KEY_RULE, "stop", "early stopping");
    plot_frame(&p);
    char lab[80];
    if (t->early_stopped) {
        snprintf(lab, sizeof lab, "stopped after epoch %d", t->epochs_run);
        plot_rule(&p, t->epochs_run, "stop", lab);
    }
    snprintf(lab, sizeof lab, "best: epoch %d", t->best_epoch);
    if (t->best_epoch > 0) plot_rule(&p, t->best_epoch, "best", lab);
    plot_line(&p, ep, loss, (size_t)n, 0, "loss");
    if (has_val) plot_line(&p, ep, val, (size_t)n, 0, "val");
    if (n <= 80) {
        plot_dots(&p, ep, loss, (size_t)n, "loss");
        if (has_val) plot_dots(&p, ep, val, (size_t)n, "val");
    }
    char cap[300];
    snprintf(cap, sizeof cap, "Both losses are on the scaled target (min-max to [0, 1] on the training rows).%s%s",
             has_val ? " Early stopping watches the validation loss." : " There were no validation windows: the "
                                                                         "training loss was watched instead.",
             n < t->epochs_run ? " The file keeps an even selection of the epochs (always the first, the best "
                                 "and the last)." : "");
    report_plot_end(c, &p, cap);
}

static void lr_plot(report_ctx *c, const double *ep, const double *lr, int n, int epochs_run)
{
    double lo, hi;
    range_of(lr, (size_t)n, &lo, &hi);
    int constant = lo == hi;
    plot p;
    plot_begin(&p, c->b, "lr", "Learning rate per epoch (Adam)", PLOT_W, 220);
    epoch_axis(&p, epochs_run);
    plot_y(&p, SCALE_LINEAR, 0, hi * 1.1, "learning rate");
    plot_key(&p, n <= 80 ? KEY_DOT : KEY_LINE, "lr", "learning rate");
    plot_frame(&p);
    plot_line(&p, ep, lr, (size_t)n, 0, "lr");
    if (n <= 80) plot_dots(&p, ep, lr, (size_t)n, "lr");
    report_plot_end(c, &p, constant ? "Constant: every Adam step used the --lr value (no schedule)." : NULL);
}

void sec_training(report_ctx *c)
{
    const elstm_meta_training *t = &c->meta->training;
    report_section_begin(c, "training", "Training");
    if (!t->present || t->n_history == 0) {
        report_p(c, "<span class=\"bad\">This model file carries no training history</span>: it was written by an "
                    "edgelstm older than the training record, or made with another tool. Train it again with this "
                    "edgelstm (<code>edgelstm train ... --report REPORT.html</code>) to see its loss curves.");
        report_section_end(c);
        return;
    }
    summary(c, t);
    int n = t->n_history;
    double *ep = malloc(4 * (size_t)n * sizeof *ep);
    if (!ep) {
        c->b->failed = 1;
        return;
    }
    double *loss = ep + n, *val = ep + 2 * n, *lr = ep + 3 * n;
    for (int i = 0; i < n; i++) {
        ep[i] = t->history[i].epoch;
        loss[i] = t->history[i].loss > 0 ? t->history[i].loss : NAN; /* a log scale has no 0 */
        val[i] = t->history[i].val_loss > 0 ? t->history[i].val_loss : NAN;
        lr[i] = t->history[i].lr;
    }
    loss_plot(c, t, ep, loss, val, n);
    lr_plot(c, ep, lr, n, t->epochs_run);
    free(ep);
    report_section_end(c);
}

/*
 * report.c - the page: checks, the evaluation and device figures every section reads, the
 * style sheet, the header with the headline numbers, the sections (sec_*.c) and the file.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "edgelstm/fileio.h"
#include "internal.h"

/* Colours: the Okabe-Ito palette (distinguishable with colour-blindness); each series
 * class sets `color`, and marks paint with currentColor. Plot text is 11-14 px at full
 * width; the SVGs scale with the page (on paper too). */
static const char *const style_sheet =
    ":root{color-scheme:light}\n"
    "body{margin:0;background:#eef0f3;color:#1a1a1a;font:15px/1.5 system-ui,-apple-system,\"Segoe UI\","
    "\"DejaVu Sans\",sans-serif}\n"
    "main{max-width:1000px;margin:0 auto;padding:24px 32px 40px;background:#fff}\n"
    "h1{font-size:25px;line-height:1.25;margin:0 0 4px}\n"
    "h2{font-size:20px;margin:34px 0 8px;padding-top:10px;border-top:2px solid #e3e6ea}\n"
    "h3{font-size:16px;margin:22px 0 6px}\n"
    "p{margin:6px 0 10px}\n"
    "code{font:13px ui-monospace,\"DejaVu Sans Mono\",monospace;background:#f3f4f6;padding:1px 4px;border-radius:3px}\n"
    ".sub{color:#555;margin:0 0 14px}\n"
    "nav{font-size:14px;margin:10px 0 4px}\n"
    "nav a{color:#0b5cad;text-decoration:none;margin-right:16px}\n"
    ".cards{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}\n"
    ".card{border:1px solid #e3e6ea;border-radius:6px;padding:8px 14px;min-width:140px}\n"
    ".card b{display:block;font-size:20px;font-variant-numeric:tabular-nums}\n"
    ".card span{font-size:13px;color:#555}\n"
    ".good{color:#00734f}.bad{color:#b34700}\n"
    "table{border-collapse:collapse;margin:8px 0 16px;font-size:14px}\n"
    "th,td{padding:4px 12px 4px 0;text-align:left;border-bottom:1px solid #e3e6ea;vertical-align:top}\n"
    "th{font-weight:600;color:#333}\n"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;padding-left:12px;white-space:nowrap}\n"
    "tr.main td{font-weight:600}\n"
    "figure{margin:16px 0 24px}\n"
    "figcaption{font-size:13px;color:#555;margin:2px 0 0 70px}\n"
    "svg.plot{display:block;width:100%;height:auto;font:12px system-ui,-apple-system,\"Segoe UI\",\"DejaVu Sans\","
    "sans-serif}\n"
    "svg .title{font-size:14px;font-weight:600;fill:#1a1a1a}\n"
    "svg .legend text{font-size:11px;fill:#333}\n"
    "svg .grid path{stroke:#e9ebef;stroke-width:1;fill:none}\n"
    "svg .frame{fill:none;stroke:#a3a9b1;stroke-width:1}\n"
    "svg .xtick{text-anchor:middle;font-size:11px;fill:#444}\n"
    "svg .ytick{text-anchor:end;font-size:11px;fill:#444}\n"
    "svg .xlabel,svg .ylabel{text-anchor:middle;font-size:12px;fill:#333}\n"
    "svg .line{fill:none;stroke:currentColor;stroke-width:1.6;stroke-linejoin:round;stroke-linecap:round}\n"
    "svg .band{fill:currentColor;stroke:none;opacity:.25}\n"
    "svg .span{fill:currentColor;stroke:none;opacity:.09}\n"
    "svg .legend .span{opacity:.3}\n"
    "svg .span-label,svg .rule-label{font-size:11px;fill:currentColor}\n"
    "svg .rug{fill:currentColor;stroke:none}\n"
    "svg .rule{fill:none;stroke:currentColor;stroke-width:1.4}\n"
    "svg .dots circle,svg circle.dot{fill:currentColor;stroke:#fff;stroke-width:1}\n"
    "svg .bars rect{fill:currentColor;opacity:.7}\n"
    ".value{color:#0072b2}.truth{color:#1a1a1a}.model{color:#0072b2}.pers{color:#e69f00}\n"
    ".seas{color:#009e73}.cmp{color:#cc79a7}.loss{color:#0072b2}.val{color:#d55e00}.lr{color:#555}\n"
    ".s-train{color:#56b4e9}.s-val{color:#e69f00}.s-test{color:#009e73}\n"
    ".miss{color:#d55e00}.fill{color:#cc79a7}.gap{color:#6b7280}.best{color:#009e73}.stop{color:#d55e00}\n"
    "svg .gap.span{opacity:.35}\n"
    "svg .pers.line{stroke-dasharray:7 4}\n"
    "svg .seas.line{stroke-dasharray:2 3}\n"
    "svg .stop.rule{stroke-dasharray:5 3}\n"
    "svg .truth.line{stroke-width:1.8}\n"
    "footer{margin-top:36px;padding-top:10px;border-top:1px solid #e3e6ea;font-size:13px;color:#555}\n"
    "@media print{body{background:#fff;font-size:10.5pt}main{max-width:none;padding:0}nav{display:none}"
    "figure,table,.cards{break-inside:avoid}h2,h3{break-after:avoid}@page{margin:14mm}}\n";

void report_section_begin(report_ctx *c, const char *id, const char *title)
{
    rb_printf(c->b, "<section id=\"%s\">\n<h2>", id);
    rb_text(c->b, title);
    rb_puts(c->b, "</h2>\n");
}

void report_section_end(report_ctx *c) { rb_puts(c->b, "</section>\n"); }

void report_p(report_ctx *c, const char *html)
{
    rb_printf(c->b, "<p>%s</p>\n", html);
}

void report_plot_end(report_ctx *c, plot *p, const char *caption)
{
    char text[900];
    snprintf(text, sizeof text, "%s", caption ? caption : "");
    if (p->max_per_column > 1) {
        char a[32], b[32];
        size_t len = strlen(text);
        snprintf(text + len, sizeof text - len,
                 "%sDecimated for drawing: %s values over %d pixel columns; each column shows the range "
                 "(band, minimum to maximum)%s of its values, at most %s per column.",
                 len ? " " : "", elstm_count_format(p->points, a, sizeof a), (int)p->fw,
                 p->no_mean ? "" : " and the mean (line)", elstm_count_format(p->max_per_column, b, sizeof b));
        c->decimated++;
    }
    plot_end(p, text);
    c->plots++;
}

/* The compared model must read the data exactly as the model does. */
static elstm_status check_compare(const elstm_meta *a, const elstm_meta *b, const char *path, elstm_diag *diag)
{
    const char *what = NULL;
    if (strcmp(a->target, b->target) != 0) what = "target";
    else if (a->steps != b->steps) what = "window length (steps)";
    else if (a->horizon != b->horizon) what = "horizon";
    else if (a->interval_s != b->interval_s) what = "sampling interval";
    else if (a->split_train != b->split_train || a->split_val != b->split_val) what = "split fractions";
    else if (a->target_min != b->target_min || a->target_max != b->target_max) what = "target scaler";
    else if (a->n_inputs != b->n_inputs || strcmp(a->time_cols, b->time_cols) != 0) what = "inputs";
    for (int k = 0; !what && k < a->n_inputs; k++) {
        const elstm_meta_input *x = &a->inputs[k], *y = &b->inputs[k];
        if (strcmp(x->name, y->name) || strcmp(x->source, y->source) || x->enc != y->enc || x->tf != y->tf ||
            x->min != y->min || x->max != y->max)
            what = "inputs or their scaling";
    }
    if (!what) return ELSTM_OK;
    return elstm_diag_set(diag, ELSTM_ERR_DATA, path, 0,
                          "--compare needs a model that reads the data as the reported model does (its "
                          "float twin, or a model trained on the same data with the same data options), "
                          "but its %s differs", what);
}

/* The headline: the test errors against persistence, as cards. */
static void header(report_ctx *c)
{
    rbuf *b = c->b;
    const elstm_meta *m = c->meta;
    const char *base = strrchr(c->model->path, '/') ? strrchr(c->model->path, '/') + 1 : c->model->path;
    const char *dbase = strrchr(c->ds->path, '/') ? strrchr(c->ds->path, '/') + 1 : c->ds->path;
    char a[48], h[48];
    rb_puts(b, "<header>\n<h1>Forecasting ");
    rb_text(b, m->target);
    rb_puts(b, " with ");
    rb_text(b, base);
    rb_puts(b, "</h1>\n<p class=\"sub\">");
    rb_printf(b, "LSTM(%d) + Dense(1) on ", (int)c->model->f->lstm.n_units);
    rb_text(b, dbase);
    rb_printf(b, ": %d inputs, windows of %d steps (%s), forecasting %s ahead.</p>\n", m->n_inputs, m->steps,
              fmt_duration((double)m->steps * (double)m->interval_s, a, sizeof a),
              fmt_duration((double)m->horizon * (double)m->interval_s, h, sizeof h));
    rb_puts(b, "<nav><a href=\"#data\">Data</a><a href=\"#training\">Training</a><a href=\"#forecasts\">Forecasts</a>"
               "<a href=\"#errors\">Errors</a><a href=\"#model\">Model card</a></nav>\n");
    if (c->have_eval) {
        const elstm_eval_result *e = &c->ev;
        double skill = e->persistence.rmse > 0 ? 1.0 - e->model.rmse / e->persistence.rmse : NAN;
        char v[48], s[48];
        rb_puts(b, "<div class=\"cards\">\n");
        rb_printf(b, "<div class=\"card\"><b>%s</b><span>test RMSE (", fmt_sig(e->model.rmse, 3, v, sizeof v));
        rb_text(b, m->target);
        rb_puts(b, " units)</span></div>\n");
        rb_printf(b, "<div class=\"card\"><b class=\"%s\">%s%%</b><span>RMSE %s persistence (%s)</span></div>\n",
                  skill > 0 ? "good" : "bad", fmt_num(fabs(100.0 * skill), 1, s, sizeof s),
                  skill > 0 ? "below" : "above", fmt_sig(e->persistence.rmse, 3, v, sizeof v));
        rb_printf(b, "<div class=\"card\"><b>%s</b><span>test MAE</span></div>\n", fmt_sig(e->model.mae, 3, v, sizeof v));
        rb_printf(b, "<div class=\"card\"><b>%s</b><span>R&#178; on the test split</span></div>\n",
                  fmt_num(e->model.r2, 3, v, sizeof v));
        rb_printf(b, "<div class=\"card\"><b>%s</b><span>test windows</span></div>\n", elstm_count_format(e->n, v, sizeof v));
        rb_puts(b, "</div>\n");
    }
    rb_puts(b, "</header>\n");
}

static void footer(report_ctx *c)
{
    rbuf *b = c->b;
    rb_printf(b, "<footer>Made by edgelstm %s: <code>edgelstm report ", ELSTM_VERSION);
    rb_text(b, c->model->path);
    rb_puts(b, " ");
    rb_text(b, c->ds->path);
    if (c->cmp) {
        rb_puts(b, " --compare ");
        rb_text(b, c->cmp->path);
    }
    rb_puts(b, "</code>. Everything is in this file: the plots are inline SVG, no script runs and nothing "
               "is loaded from the network. Times are as the file writes them (no time zone). "
               "docs/report.md describes each plot.</footer>\n");
}

static elstm_status evaluate(report_ctx *c, elstm_diag *diag)
{
    const elstm_dataset *ds = c->ds;
    c->have_eval = ds->n_win[ELSTM_SPLIT_TEST] > 0;
    if (!c->have_eval) return ELSTM_OK;
    int threads = c->opts->threads > 0 ? c->opts->threads : 1;
    elstm_status s = elstm_forecaster_eval_series(c->model->f, ds, ELSTM_SPLIT_TEST, threads, &c->ev, &c->sr, diag);
    if (s == ELSTM_OK && c->cmp)
        s = elstm_forecaster_eval_series(c->cmp->f, ds, ELSTM_SPLIT_TEST, threads, &c->ev_cmp, &c->sr_cmp, diag);
    return s;
}

static void device(report_ctx *c)
{
    const elstm_forecaster *f = c->model->f;
    elstm_model_figures_of(f, &c->fig);
    if (c->cmp) elstm_model_figures_of(c->cmp->f, &c->fig_cmp);
    if (!c->opts->profile) return;
    elstm_codegen_model cm;
    elstm_mcu_opts mo;
    memset(&mo, 0, sizeof mo);
    /* a failed measurement is reported in the page, not a failed report */
    elstm_diag d;
    elstm_diag_clear(&d);
    if (elstm_codegen_model_of(c->model->f, c->model->path, 0, &cm, &d) != ELSTM_OK ||
        elstm_mcu_profile(&cm, NULL, &mo, &c->mcu, &d) != ELSTM_OK) {
        c->device = -2;
        snprintf(c->device_error, sizeof c->device_error, "%s", d.msg);
    } else {
        c->device = c->mcu.measured ? 1 : -1;
    }
}

elstm_status elstm_report_build(const elstm_report_model *model, const elstm_report_model *compare,
                                const elstm_dataset *ds, const elstm_report_opts *o, char **html, size_t *len,
                                elstm_report_info *info, elstm_diag *diag)
{
    *html = NULL;
    *len = 0;
    if (info) memset(info, 0, sizeof *info);
    if (!model || !model->f || !model->f->has_meta)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, model ? model->path : NULL, 0,
                              "the model has no edgelstm metadata; a report needs a model trained by "
                              "'edgelstm train' (or one carrying its metadata)");
    if (!ds->y || !ds->target_missing)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, ds->path, 0, "the data has no target column to report on");
    elstm_status s;
    if (compare && (s = check_compare(&model->f->meta, &compare->f->meta, compare->path, diag)) != ELSTM_OK) return s;

    rbuf b = {0};
    report_ctx c;
    memset(&c, 0, sizeof c);
    c.b = &b;
    c.ds = ds;
    c.meta = &model->f->meta;
    c.model = model;
    c.cmp = compare;
    c.opts = o;
    snprintf(c.cmp_name, sizeof c.cmp_name, "compared model");
    if (compare) {
        const char *base = strrchr(compare->path, '/') ? strrchr(compare->path, '/') + 1 : compare->path;
        snprintf(c.cmp_name, sizeof c.cmp_name, "%s", base);
    }
    c.t = malloc((ds->rows ? ds->rows : 1) * sizeof *c.t);
    if (!c.t) {
        s = elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory for the report");
        goto out;
    }
    for (size_t r = 0; r < ds->rows; r++) c.t[r] = (double)ds->time[r];
    if ((s = evaluate(&c, diag)) != ELSTM_OK) goto out;
    device(&c);

    rb_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>edgelstm report: ");
    rb_text(&b, c.meta->target);
    rb_puts(&b, " - ");
    rb_text(&b, model->path);
    rb_printf(&b, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", style_sheet);
    header(&c);
    sec_data(&c);
    sec_training(&c);
    sec_forecasts(&c);
    sec_errors(&c);
    sec_model(&c);
    footer(&c);
    rb_puts(&b, "</main>\n</body>\n</html>\n");
    if (b.failed) {
        s = elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory writing the report");
        goto out;
    }
    *html = b.s;
    *len = b.len;
    b.s = NULL;
    if (info) {
        info->bytes = *len;
        info->plots = c.plots;
        info->decimated = c.decimated;
        info->history = c.meta->training.present;
        info->device = c.device;
    }
out:
    rb_free(&b);
    free(c.t);
    elstm_eval_series_free(&c.sr);
    elstm_eval_series_free(&c.sr_cmp);
    return s;
}

elstm_status elstm_report_write(const char *path, const elstm_report_model *model,
                                const elstm_report_model *compare, const elstm_dataset *ds,
                                const elstm_report_opts *o, elstm_report_info *info, elstm_diag *diag)
{
    char *html = NULL;
    size_t len = 0;
    elstm_status s = elstm_report_build(model, compare, ds, o, &html, &len, info, diag);
    if (s == ELSTM_OK) s = elstm_write_file_atomic(path, html, len, diag);
    free(html);
    return s;
}

"""Write book/questions.md from the reader's-notes callouts the chapters define.

    .venv/bin/python -m scripts.questions_page

Run it after adding or retitling a `Reader's notes` callout; tests/test_repository.py checks
that the page and the callouts agree.
"""
import pathlib
import re

import nbformat
ROOT = pathlib.Path(__file__).resolve().parents[1]
ROWS = {
 "q1": ("1.1", "为什么时间流逝，网络层数增多，梯度消失/膨胀和激活函数有多大的关系？", "Why do gradients vanish or explode as time passes and the unrolled network deepens, and how much is the activation function to blame?"),
 "q2": ("1.2", "指数相乘(为何会有指数相乘？)", "Why is there an exponential product at all?"),
 "q3": ("1.2", "没有更好的解决方案", "Was there really no better remedy than the LSTM?"),
 "q4": ("2.2", "可控自循环??", "What is a controlled self-loop?"),
 "q5": ("2.3", "这个不太理解C'(t)哪里来的？", "Where does the candidate C'(t) come from?"),
 "q6": ("2.4", "输入门…这个如何理解？？", "How should the input gate be understood?"),
 "q7": ("2.5.1", "哪里体现出记忆状态C？？", "Where does the memory C appear in the forget gate?"),
 "q8": ("2.5.3", "只是使用的激活函数不同？", "Is the candidate just a gate with a different activation?"),
 "q9": ("2.5.4", "下一层网络？？？", "Which 'next layer' does the output gate feed?"),
 "q10": ("2.5.4", "最后一步为何这样做，并没有解释清楚？", "Why S(t) = O(t) * tanh(C(t))?"),
 "q11": ("1.3", "可以将其强制截断或者挤压", "How do you clip or squash an exploding gradient, and what does it do to the update?"),
 "q12": ("3", "误差的反向传播也包括两个层面：空间层面…时间层面…", "Backpropagation through layers (space) and through steps (time)."),
 "q13": ("5.1.1", "实验表明提高计算复杂度的4元模型，实际效果比3元模型更好", "Does a 4-gram beat a trigram?"),
 "e1": ("1.2", "(0.99)的100次方趋近于0", "0.99^100 'tends to 0' — it is 0.366."),
 "e2": ("2.5.3", "输入门和输出门相互结合", "The cell update combines the input and *output* gates — it is forget and input."),
 "e3": ("2.4", "候选门 (counted as a fourth gate)", "The candidate is a fourth gate — there are three gates plus a candidate."),
 "e4": ("4.2.3", "单射 … 结构保存 (x1 > x2 ⇒ y1 > y2)", "An embedding must be injective and order-preserving — it preserves similarity, not order."),
 "e5": ("1.2", "甚至超过1000个时间，而且性能奇佳", "An LSTM works past 1000 steps with excellent performance — true for specific tasks; measured here."),
 "e6": ("2.1", "过去有用但是有被抛弃的神经元，称为泄漏单元", "Leaky units are neurons that were useful but got dropped — they are units with a linear self-connection."),
 "f1": ("5.1", "缺陷", "The defects of n-gram models (empty in the notes)."),
 "f2": ("5.2", "前馈神经网络模型(NNLM)", "The feed-forward neural language model (empty in the notes)."),
 "f3": ("5.3", "循环神经网络模型(RNNLM)", "The recurrent neural language model (empty in the notes)."),
 "f4": ("5.4.1–5.4.3", "正则化", "Regularisation: three empty subsections."),
}
def main() -> None:
    TITLES = {}
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        text = "\n".join(c.source for c in nbformat.read(nb, as_version=4).cells if c.cell_type == "markdown")
        chapter = int(nb.name[:2])
        for m in re.finditer(r"^\(rn-([qef]\d+)\)=\s*\n:::\{admonition\} Reader's notes [QEF]\d+:?\s*(.*)$", text, flags=re.M):
            TITLES[m.group(1)] = (chapter, m.group(2).strip())
    def table(prefix, header):
        out = [f"| id | notes § | the notes | {header} | answered in |", "|---|---|---|---|---|"]
        for k, (sec, zh, en) in ROWS.items():
            if not k.startswith(prefix) or k not in TITLES:
                continue
            ch, title = TITLES[k]
            # link text is literal: drop Markdown emphasis and math markup
            title = re.sub(r"\\([a-z]+)", r"\1", title).replace("$", "").replace(" * ", " × ").replace("*", "").replace("`", "")
            out.append(f"| {k.upper()} | {sec} | 「{zh}」 | {en} | chapter {ch}: {{ref}}`{title} <rn-{k}>` |")
        return "\n".join(out)
    missing = [k for k in ROWS if k not in TITLES]
    page = f"""# The reader's questions, answered

The notes this book grows from ask thirteen questions (Q), make six mistakes (E) and leave four
sections empty (F). Each is answered in a chapter by a callout titled *Reader's notes* that
quotes the notes, translates them, and answers with a derivation **and** a cell you can run. The
section numbers are the notes' own.

## Questions the notes ask

{table("q", "in English")}

## Mistakes corrected

{table("e", "what is true")}

## Sections filled

{table("f", "filled with")}
"""
    (ROOT / "book" / "questions.md").write_text(page)
    print("answered:", sorted(TITLES), "\nmissing:", missing)


if __name__ == "__main__":
    main()

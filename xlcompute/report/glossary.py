"""The proposal's glossary (Appendix D): the technical terms its sections use, said for a procurement
committee, in English and Chinese. A committee's reading found TP, ZeRO, ETTR, TTFT, GEMM and the like used
without a word on what they are."""

from __future__ import annotations

from typing import Literal, NamedTuple

__all__ = ["GLOSSARY", "Term", "terms_for"]


class Term(NamedTuple):
    term: str
    term_zh: str
    plans: Literal["training", "serving", "all"]  # a serving-only proposal speaks of no training run
    en: str
    zh: str


def terms_for(kind: str) -> list[Term]:
    """The terms a plan of ``kind`` (training, serving, both) uses."""
    return [t for t in GLOSSARY if t.plans == "all" or kind == "both" or t.plans == kind]


#: In the order a reader meets them.
GLOSSARY: tuple[Term, ...] = (
    Term("MFU", "MFU", "training",
         "Model FLOPs utilisation: the share of the cards' peak arithmetic that the run turns into the model's "
         "own computation. It sets the training time: days = computation / (cards × peak × MFU).",
         "模型算力利用率：加速卡峰值算力中真正用于模型计算的比例；训练天数 = 计算量 /（卡数 × 峰值 × M"
         "FU）。"),
    Term("HBM", "HBM", "all",
         "The memory on each accelerator card; the model's weights, optimizer states and activations must fit in "
         "it.",
         "每张加速卡上的显存；模型权重、优化器状态与激活值都须放得下。"),
    Term("TP", "TP", "all",
         "Tensor parallelism: each layer's matrices split over several cards of one server, which exchange "
         "partial results at every layer (fast links needed).",
         "张量并行：每层的矩阵拆到同一服务器的多张卡上，每层都要交换部分结果（需要高速互联）。"),
    Term("PP", "PP", "all",
         "Pipeline parallelism: the layers split into stages on different cards; micro-batches pass through them "
         "as on an assembly line.",
         "流水线并行：模型各层分成若干级放在不同卡上，微批次像流水线一样依次通过。"),
    Term("DP", "DP", "training",
         "Data parallelism: copies of the model each train on part of the batch and average their gradients.",
         "数据并行：多份模型副本各训练批次的一部分，再对梯度取平均。"),
    Term("CP", "CP", "training",
         "Context parallelism: one long sequence split over several cards.",
         "上下文并行：把一条长序列拆到多张卡上。"),
    Term("EP", "EP", "all",
         "Expert parallelism: a mixture-of-experts model's experts spread over cards; each token is sent to the "
         "cards of its experts and back (all-to-all traffic).",
         "专家并行：混合专家模型的专家分布在多张卡上，每个 token 要发往其专家所在的卡再返回（all-to-"
         "all 通信）。"),
    Term("ZeRO", "ZeRO", "training",
         "Splitting the optimizer states (stage 1), the gradients (2) and the weights (3) over the data-parallel "
         "copies instead of keeping them on every card: less memory, more traffic.",
         "把优化器状态（第 1 阶段）、梯度（第 2 阶段）与权重（第 3 阶段）分摊到各数据并行副本上，而不是每"
         "张卡各存一份：省显存，多通信。"),
    Term("Recomputation", "重计算", "training",
         "Recomputing part (selective) or all (full) of a layer's forward pass during the backward pass instead "
         "of storing its activations: less memory, more computation.",
         "反向传播时重新计算每层前向的一部分（选择性）或全部（完全），以代替保存激活值：省显存，多计算。"),
    Term("1F1B, interleaving, bubble", "1F1B、交错调度、气泡", "training",
         "The pipeline's order of forward and backward passes. The bubble is the time stages wait at the start "
         "and end of each step; interleaving gives each card several smaller stages and shortens it.",
         "流水线中前向与反向的执行顺序。气泡是每步开始和结束时各级空等的时间；交错调度让每张卡承担多个更小的级，从"
         "而缩短气泡。"),
    Term("ETTR", "ETTR", "training",
         "Effective training-time ratio: the share of calendar time the run makes progress, after failures, "
         "restarts, checkpoints and planned pauses.",
         "有效训练时间比：扣除故障、重启、检查点与计划停顿后，训练真正推进的时间占日历时间的比例。"),
    Term("Young–Daly", "Young–Daly", "training",
         "The checkpoint interval that loses the least time to failures: √(2 × time to write a checkpoint × mean "
         "time between failures).",
         "使故障损失时间最少的检查点间隔：√(2 × 写一次检查点的时间 × 平均故障间隔)。"),
    Term("GEMM", "GEMM", "all",
         "Matrix multiplication, most of a model's arithmetic.",
         "矩阵乘法，模型计算的主体。"),
    Term("BF16, FP8", "BF16、FP8", "all",
         "16-bit and 8-bit number formats; FP8 doubles the peak arithmetic of the cards that have it.",
         "16 位与 8 位数值格式；支持 FP8 的卡，其 FP8 峰值算力为 16 位的两倍。"),
    Term("MoE", "MoE（混合专家）", "all",
         "Mixture of experts: a model whose layers hold many expert blocks, of which each token uses a few, so it"
         " computes with fewer parameters than it stores.",
         "混合专家：每层有许多专家模块、每个 token 只用其中几个的模型，计算所用参数少于存储的参数。"),
    Term("GQA, MLA, SwiGLU", "GQA、MLA、SwiGLU", "all",
         "Architecture details of the model: grouped-query attention and DeepSeek's multi-head latent attention "
         "shrink the attention's memory; SwiGLU is the gated feed-forward block of Llama-family models.",
         "模型结构细节：分组查询注意力（GQA）与 DeepSeek 的多头潜在注意力（MLA）减少注意力所占显存"
         "；SwiGLU 是 Llama 系列模型的门控前馈层。"),
    Term("KV cache", "KV 缓存", "serving",
         "The keys and values of earlier tokens that a served model keeps for each request; it limits how many "
         "requests a card serves at once.",
         "推理时为每个请求保存的先前 token 的键与值；它决定一张卡能同时服务多少请求。"),
    Term("TTFT, TPOT", "TTFT、TPOT", "serving",
         "Time to the first token of an answer; time per further output token.",
         "首 token 时延：回答的第一个 token 出现所需时间；每 token 时延：之后每个输出 token 所需时间。"),
    Term("NVLink, HCCS, InfiniBand, RoCE", "NVLink、HCCS、InfiniBand、RoCE", "all",
         "Links between cards inside a server (NVIDIA NVLink, Huawei HCCS) and between servers (InfiniBand, RoCE "
         "Ethernet).",
         "服务器内卡间互联（NVIDIA NVLink、华为 HCCS）与服务器间网络（InfiniBand、Ro"
         "CE 以太网）。"),
    Term("PUE", "PUE", "all",
         "Power usage effectiveness: the data centre's total power over the power of its IT equipment.",
         "电能利用效率：数据中心总功耗与 IT 设备功耗之比。"),
    Term("Present value (PV)", "现值（PV）", "all",
         "Costs over the years discounted to today's money at the scenario's discount rate, so that owning and "
         "renting can be compared.",
         "现值：按场景的折现率把各年成本折算为今天的金额，以便比较自建与租用。"),
    Term("P10, P50, P90", "P10、P50、P90", "all",
         "Values that 10 %, 50 % and 90 % of the simulated outcomes fall below.",
         "模拟结果中分别有 10%、50% 与 90% 低于该值的数字。"),
)
